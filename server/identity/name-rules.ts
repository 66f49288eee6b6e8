// What a name may look like: pure and browser-safe, so the handheld checks names by the server's rule.
/** Whether a name is plausible as a person's name: letters, not digits or symbols. */
export function isPlausibleName(display: string): boolean {
  return display.length >= 1 && display.length <= 100 && /\p{L}/u.test(display) && !/[\d@#$%^&*=<>{}[\]\\|~]/.test(display);
}
