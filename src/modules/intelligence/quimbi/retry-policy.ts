/**
 * Retry rules of the Quimbi client, kept pure so they are unit-tested on their own.
 */

/**
 * "Equal jitter" exponential backoff: half of base·2^attempt is fixed, half random, capped.
 * Never zero, so a retry never hammers a struggling service at once; random, so many clients
 * that failed together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs = 2000,
  random: () => number = Math.random,
) {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Whether another attempt fits in what is left of the call's budget (the breaker's timeout):
 * after waiting `delayMs` there must still be `minAttemptMs` for the request itself. A retry that
 * cannot finish before the breaker gives up only adds load.
 */
export function retryFits(remainingMs: number, delayMs: number, minAttemptMs: number): boolean {
  return remainingMs - delayMs >= minAttemptMs;
}

const maxRetryAfterMs = 3600_000;

/**
 * `Retry-After` is either delta-seconds or an HTTP date. Missing or unreadable → 1 s (be
 * conservative: a 429 always means "wait"); capped at an hour so a bad header cannot switch the
 * service off for good.
 */
export function parseRetryAfter(header: string | undefined | null, now = Date.now()): number {
  const value = header?.trim();
  if (!value) return 1000;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.min(maxRetryAfterMs, Math.round(Number(value) * 1000));
  const at = Date.parse(value);
  if (Number.isNaN(at)) return 1000;
  return Math.min(maxRetryAfterMs, Math.max(0, at - now));
}

/** HTTP statuses worth retrying on an idempotent read: the service failed, not the request. */
export const isRetryableStatus = (status: number): boolean =>
  status === 502 || status === 503 || status === 504 || status === 500;
