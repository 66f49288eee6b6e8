// What a person without the need to know sees of an identity number (CONTRACT.md: 110105********002X).
export function maskIdNumber(normalized: string): string {
  if (normalized.length >= 15) return normalized.slice(0, 6) + '*'.repeat(normalized.length - 10) + normalized.slice(-4);
  if (normalized.length >= 8) return normalized.slice(0, 2) + '*'.repeat(normalized.length - 4) + normalized.slice(-2);
  return normalized.slice(0, 1) + '*'.repeat(Math.max(0, normalized.length - 2)) + normalized.slice(-1);
}
