/**
 * Duration histograms with fixed, log-spaced buckets, so percentiles over any range of days are
 * merged from daily rows by adding counts (and a refold subtracts a ticket's old durations just
 * as exactly).
 *
 * Bucket 0 holds durations under one second; bucket i ≥ 1 holds [GROWTH^(i-1), GROWTH^i)
 * seconds; the last bucket also takes everything longer (about 390 days and up). A percentile
 * is read as the geometric middle of the bucket that holds the wanted rank, so it is within
 * ±4.9 % (√1.1 − 1) of the exact nearest-rank percentile (Postgres `percentile_disc`) for
 * durations of a second or more, and under one second off below that. Averages are exact (sums
 * and counts are kept beside the histogram).
 */
export const GROWTH = 1.1;
export const LAST_BUCKET = 183;
/** The documented bound on a percentile's relative error (durations of 1 s and more). */
export const PERCENTILE_RELATIVE_ERROR = Math.sqrt(GROWTH) - 1;

/** Sparse counts by bucket index. */
export type Histogram = Record<string, number>;

const powers: number[] = Array.from({ length: LAST_BUCKET + 1 }, (_, i) => GROWTH ** i);

/** The bucket of a duration in seconds (negative durations count as zero). */
export function bucketOf(seconds: number): number {
  if (!(seconds >= 1)) return 0;
  let i = Math.floor(Math.log(seconds) / Math.log(GROWTH));
  // Floating point can put a value on a boundary one bucket off; settle it against the powers.
  while (i > 0 && (powers[i] ?? Infinity) > seconds) i--;
  while (i < LAST_BUCKET && (powers[i + 1] ?? Infinity) <= seconds) i++;
  return Math.min(i + 1, LAST_BUCKET);
}

/** The value a bucket stands for, in seconds: its geometric middle (0 for bucket 0). */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  return GROWTH ** (bucket - 0.5);
}

export function addTo(h: Histogram, bucket: number, count = 1): void {
  const key = String(bucket);
  const n = (h[key] ?? 0) + count;
  if (n === 0) delete h[key];
  else h[key] = n;
}

/**
 * The nearest-rank percentile (p in (0, 1]) in seconds: the bucket holding the ⌈p·n⌉-th
 * smallest duration. null for an empty histogram.
 */
export function percentile(h: Histogram, p: number): number | null {
  const entries = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [bucket, n] of entries) {
    seen += n;
    if (seen >= rank) return bucketValue(bucket);
  }
  return bucketValue(entries[entries.length - 1]?.[0] ?? 0);
}
