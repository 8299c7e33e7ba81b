import 'dotenv/config';
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { createContainer } from './container';
import { createErrorReporter } from './platform/errors/reporting';
import { handleProcessSignals } from './platform/lifecycle';

/** The job processor: runs every queue's handlers and keeps the repeatable schedules in place. */
async function main(): Promise<void> {
  const config = loadConfig();
  const report = createErrorReporter(config.sentryDsn, config.env);
  const container = await createContainer(config, { processName: 'worker' });
  const { logger, queues, metrics } = container;
  let scheduled: Promise<void> = Promise.resolve();
  // Installed before the first job starts (a SIGTERM in between ended that job half way); a stop
  // during start-up lets the schedules be written before the queues close.
  handleProcessSignals(
    logger,
    async () => {
      await scheduled.catch(() => undefined);
      await container.close();
    },
    config.shutdownTimeoutMs,
    report,
  );
  queues.process(container.jobHandlers, {}, (queue, name, outcome) =>
    metrics.jobs.inc({ queue, name, outcome }),
  );
  scheduled = queues.schedule(container.schedules);
  await scheduled;
  logger.info({ queues: queues.allQueues().map((q) => q.name) }, 'worker started');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
