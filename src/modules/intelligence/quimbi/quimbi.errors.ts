import { AppError } from '../../../platform/errors/app-error';

/** Why a call did not produce an answer from the service. Used as a metric label and log field. */
export type UnavailableReason =
  'timeout' | 'server_error' | 'network' | 'bad_response' | 'breaker_open' | 'rate_limited';

/**
 * The service could not answer: a timeout, a 5xx, a connection error, a malformed answer, an
 * open breaker, or a rate limit still in force. These count against the breaker (except the
 * short-circuits, which never reach it) and make every caller use the local fallback.
 */
export class IntelligenceUnavailable extends AppError {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    readonly httpStatus?: number,
  ) {
    super('intelligence_unavailable', message, 503, { reason });
  }
}

/** A 429: the service asked us to wait until `retryAfterMs` has passed. */
export class IntelligenceRateLimited extends IntelligenceUnavailable {
  constructor(readonly retryAfterMs: number) {
    super('rate_limited', `Intelligence service rate limit: retry after ${retryAfterMs} ms`, 429);
  }
}

/**
 * The service refused the request (a 4xx other than 429: bad key, unknown customer, invalid
 * request). It is up, so this does not count against the breaker, and retrying would not help.
 */
export class IntelligenceRejected extends AppError {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super('intelligence_rejected', message, 502, { httpStatus });
  }
}

/** 4xx other than 429: the service is healthy, the request was not. */
export const isRejection = (err: unknown): err is IntelligenceRejected => err instanceof IntelligenceRejected;
