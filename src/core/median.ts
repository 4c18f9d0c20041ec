/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The nearest-rank quantile q (0…1) of a non-empty list: a value of the list, no interpolation. */
export function quantile(v: readonly number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.round(q * (s.length - 1))]!;
}

/**
 * The median of the values within `radius` places of index k, k itself left out: the local scale
 * one gap between vertebrae is judged against (gap filling, sequence decoding). Null when none.
 */
export function nearbyMedian(values: readonly number[], k: number, radius = 3): number | null {
  const near = values.filter((_, m) => m !== k && Math.abs(m - k) <= radius);
  return near.length ? median(near) : null;
}
