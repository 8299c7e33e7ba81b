import * as Sentry from '@sentry/node';

/** The default integrations that shape and send error events; the others are left out. */
const errorIntegrations = new Set([
  'EventFilters',
  'FunctionToString',
  'LinkedErrors',
  'Dedupe',
  'NodeSystemError',
  'OnUncaughtException',
  'OnUnhandledRejection',
  'ContextLines',
  'Context',
  'Modules',
]);

/** Sentry when a DSN is configured; otherwise unknown errors are only logged. */
export function createErrorReporter(dsn: string | undefined, environment: string): (err: unknown) => void {
  if (!dsn) return () => undefined;
  Sentry.init({
    dsn,
    environment,
    // Errors only. No `tracesSampleRate`: set, even to 0, it turns tracing on (a span for every
    // request, never sent). And none of the integrations that instrument requests, frameworks or
    // the console, nor the load-time hooks that feed them: with v11's defaults a webhook storm
    // cost the API 2.7-3.4x the CPU per acknowledgement (BENCHMARKS.md).
    enableRuntimeChannelInjection: false,
    integrations: (defaults) => defaults.filter((i) => errorIntegrations.has(i.name)),
  });
  return (err) => {
    Sentry.captureException(err);
  };
}
