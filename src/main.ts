import 'dotenv/config';
import 'reflect-metadata';
import { createServer } from 'node:http';
import { buildRequestListener } from './app';
import { ConfigError, loadConfig } from './config/config';
import { createContainer } from './container';
import { createErrorReporter } from './platform/errors/reporting';
import { handleProcessSignals } from './platform/lifecycle';
import { attachRealtime } from './platform/realtime/socket-server';

async function main(): Promise<void> {
  const config = loadConfig();
  const report = createErrorReporter(config.sentryDsn, config.env);
  const container = await createContainer(config, { processName: 'api' });
  const { logger } = container;
  if (config.auth.bootstrapAdmin) {
    const { email, password } = config.auth.bootstrapAdmin;
    const outcome = await container.services.agents.ensureBootstrapAdmin(email, password);
    if (outcome === 'created') logger.info({ email }, 'bootstrap admin created');
  }
  let shuttingDown = false;
  const server = createServer(
    buildRequestListener(container, { report, isShuttingDown: () => shuttingDown }),
  );
  server.keepAliveTimeout = 65_000;
  container.onClose.push(
    () =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  );
  // socket.io on the same port; its close step runs before the one above (onClose runs last first).
  await attachRealtime(server, container);
  handleProcessSignals(
    logger,
    async () => {
      shuttingDown = true;
      await container.close();
    },
    config.shutdownTimeoutMs,
    report,
  );
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, resolve));
  logger.info({ port: config.http.port }, `API listening on ${config.http.appUrl}`);
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad configuration), so this one message goes to stderr.
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(1);
});
