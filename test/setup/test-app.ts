import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import pino from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { buildRequestListener } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { createContainer, type Container } from '../../src/container';
import { attachRealtime, type RealtimeServer } from '../../src/platform/realtime/socket-server';
import type { Logger } from '../../src/platform/logging/logger';
import { dbUrl, redisRunPrefix, runPrefix, testEnv } from './test-env';

export interface TestApp {
  container: Container;
  config: Config;
  server: Server;
  /** socket.io on the same port (connect to `url`). */
  realtime: RealtimeServer;
  url: string;
  http: TestAgent;
  /** Processes queued jobs in this process (as the worker would) until stopped. */
  startWorker(): void;
  stop(): Promise<void>;
}

/** The environment every test app starts from; a test overrides what it is about. */
export function baseTestEnv(dbName: string, redisPrefix: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: dbUrl(dbName),
    DB_POOL_SIZE: '10',
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    // No automatic routing behind other tests' backs; assignment tests turn it on where they need it.
    AUTO_ASSIGN: 'off',
  };
}

/** A fresh database cloned from the run's migrated template. */
export async function createTestDatabase(): Promise<string> {
  const runId = process.env.CRM_TEST_RUN_ID;
  const template = process.env.CRM_TEST_TEMPLATE;
  if (!runId || !template) throw new Error('test run not initialised (globalSetup did not run)');
  const name = `${runPrefix(runId)}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: testEnv.pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  return name;
}

export function testRedisPrefix(): string {
  const runId = process.env.CRM_TEST_RUN_ID ?? 'norun';
  return `${redisRunPrefix(runId)}:${randomBytes(4).toString('hex')}`;
}

/**
 * Starts the real app (real Postgres, real Redis) on an ephemeral port. Each call gets its own
 * database and Redis prefix unless `share` passes another app's, which is how tests run two
 * API instances against one store.
 */
export async function startTestApp(
  opts: { env?: NodeJS.ProcessEnv; share?: TestApp; logger?: Logger } = {},
): Promise<TestApp> {
  const dbName = opts.share
    ? new URL(opts.share.config.db.url).pathname.slice(1)
    : await createTestDatabase();
  const prefix = opts.share ? opts.share.config.redis.prefix : testRedisPrefix();
  const config = loadConfig({ ...baseTestEnv(dbName, prefix), ...opts.env });
  const container = await createContainer(config, {
    processName: 'test',
    logger: opts.logger ?? pino({ level: config.logLevel }),
  });
  const server = createServer(buildRequestListener(container));
  const realtime = await attachRealtime(server, container);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let working = false;
  return {
    container,
    config,
    server,
    realtime,
    url,
    http: request(server),
    startWorker() {
      if (working) return;
      working = true;
      container.queues.process(container.jobHandlers);
    },
    async stop() {
      // Sockets first: upgraded connections would otherwise keep the HTTP server open.
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
    },
  };
}
