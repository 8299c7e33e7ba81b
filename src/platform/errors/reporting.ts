import * as Sentry from '@sentry/node';

/** Sentry when a DSN is configured; otherwise unknown errors are only logged. */
export function createErrorReporter(dsn: string | undefined, environment: string): (err: unknown) => void {
  if (!dsn) return () => undefined;
  Sentry.init({ dsn, environment, tracesSampleRate: 0 });
  return (err) => {
    Sentry.captureException(err);
  };
}
