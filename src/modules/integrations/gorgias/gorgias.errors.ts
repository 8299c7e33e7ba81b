import { NotFoundError, UnavailableError } from '../../../platform/errors/app-error';

export class GorgiasNotConfiguredError extends UnavailableError {
  constructor(what = 'Gorgias is not configured (set GORGIAS_DOMAIN, GORGIAS_EMAIL and GORGIAS_API_KEY)') {
    super(what, 'gorgias_not_configured');
  }
}

export class GorgiasLinkNotFoundError extends NotFoundError {
  constructor() {
    super('Gorgias ticket for this ticket', 'gorgias_link_not_found');
  }
}

/**
 * A failed call to Gorgias. `retryable` says whether trying again later can help (network,
 * 5xx, rate limit) or not (4xx: the request itself is wrong or the object is gone).
 */
export class GorgiasApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'GorgiasApiError';
  }
}
