import { AppError, UnauthorizedError, UnavailableError } from '../../../platform/errors/app-error';

export class SlackNotConfiguredError extends UnavailableError {
  constructor(what = 'SLACK_BOT_TOKEN') {
    super(`Slack is not configured on this server (set ${what})`, 'slack_not_configured');
  }
}

export class SlackSignatureError extends UnauthorizedError {
  constructor(reason: string) {
    super(`Slack request signature rejected: ${reason}`, 'slack_signature_invalid');
  }
}

/** Slack refused or could not be reached while answering a request (channel list). */
export class SlackUpstreamError extends AppError {
  constructor(message: string, retryAfterSeconds?: number) {
    super(
      'slack_upstream_error',
      message,
      502,
      undefined,
      retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
    );
  }
}
