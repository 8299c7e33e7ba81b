import type { Logger } from './logging/logger';

/**
 * One place for process-level failure and shutdown: SIGTERM/SIGINT run the given stop
 * function once (bounded by a timeout); an unhandled rejection or exception is logged,
 * reported and ends the process through the same path.
 */
export function handleProcessSignals(
  logger: Logger,
  stop: () => Promise<void>,
  timeoutMs: number,
  report?: (err: unknown) => void,
): void {
  let stopping = false;
  const shutdown = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop()
      .then(() => process.exit(code))
      .catch((err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled promise rejection');
    report?.(err);
    shutdown('unhandledRejection', 1);
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    report?.(err);
    shutdown('uncaughtException', 1);
  });
}
