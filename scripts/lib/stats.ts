// Small statistics for checking that draws look uniform and independent (the customs selection).

/** Pearson's chi-square of values in [0, 1) against a uniform spread over `bins` equal bins. */
export function chiSquareUniform(xs: number[], bins = 100): number {
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) counts[Math.floor(x * bins)]!++;
  const expected = xs.length / bins;
  return counts.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
}

/** Correlation of each value with the next: near 0 (within a few 1/√n) when neighbours are unrelated. */
export function lag1Autocorrelation(xs: number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i]! - mean) ** 2;
    if (i + 1 < xs.length) num += (xs[i]! - mean) * (xs[i + 1]! - mean);
  }
  return num / den;
}
