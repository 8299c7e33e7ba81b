import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { FakeShopify } from '../fakes/shopify/fake-shopify';
import { ShopifyWebhookSender } from '../fakes/shopify/webhook-sender';
import { baseTestEnv, createTestDatabase, testRedisPrefix } from '../setup/test-app';
import { dbUrl } from '../setup/test-env';
import { shopifyEnv, waitFor, webhookSecret } from './helpers';

/**
 * The API process itself (src/main.ts in a child process, compiled on the fly with swc as jest
 * does), stopped with SIGTERM in the middle of a webhook storm, as a deploy or a scale-down
 * does: every delivery it acknowledged must be recorded, and it must exit by itself, cleanly,
 * while senders keep their connections busy (Shopify's do).
 */

const swcOptions = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** Boots src/main.ts with a require hook that compiles TypeScript the way jest.config.js does. */
const boot = `
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const options = ${JSON.stringify(swcOptions)};
require.extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
};
require(${JSON.stringify(join(__dirname, '../../src/main.ts'))});
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('the API stopped during a webhook storm', () => {
  const fake = new FakeShopify();
  let child: ChildProcess | undefined;

  beforeAll(() => fake.start());
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await fake.stop();
  });

  it('records every delivery it acknowledged and exits cleanly on SIGTERM', async () => {
    const dbName = await createTestDatabase();
    const port = await freePort();
    let output = '';
    child = spawn(process.execPath, ['-e', boot], {
      cwd: join(__dirname, '../..'),
      env: {
        ...process.env,
        ...baseTestEnv(dbName, testRedisPrefix()),
        ...shopifyEnv(fake),
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SHUTDOWN_TIMEOUT_MS: '10000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = exitOf(child);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      'the API to be ready',
      async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true,
      30_000,
    );

    const sender = new ShopifyWebhookSender({ baseUrl, secret: webhookSecret, shopDomain: fake.shop });
    const acknowledged: string[] = [];
    let refused = 0;
    let sentAfterSignal = 0;
    let signalled = false;
    let stopSending = false;
    const senderLoop = async (lane: number) => {
      for (let i = 0; !stopSending; i++) {
        const delivery = sender.build('customers/update', {
          id: 7_000_000 + lane * 100_000 + i,
          email: `storm-${lane}-${i}@example.com`,
          first_name: 'Storm',
          last_name: `${lane}-${i}`,
          updated_at: new Date().toISOString(),
        });
        if (signalled) sentAfterSignal++;
        const result = await sender.send(delivery).catch(() => null);
        if (result?.status === 200) acknowledged.push(delivery.webhookId);
        else {
          // Refused, reset or 503: not acknowledged, so Shopify would send it again.
          refused++;
          if (signalled) await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const lanes = Array.from({ length: 20 }, (_, lane) => senderLoop(lane));

    await waitFor('a storm under way', async () => acknowledged.length >= 300, 30_000);
    const beforeSignal = acknowledged.length;
    signalled = true;
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    const stoppedInMs = Date.now() - signalledAt;
    stopSending = true;
    await Promise.all(lanes);

    expect({ code, signal, output: code === 0 ? '' : output }).toEqual({ code: 0, signal: null, output: '' });
    // It stopped by itself, well within its own shutdown timeout, though senders never paused.
    expect(stoppedInMs).toBeLessThan(5_000);
    expect(sentAfterSignal).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);

    const db = new Client({ connectionString: dbUrl(dbName) });
    await db.connect();
    try {
      const { rows } = await db.query<{ webhook_id: string }>(
        `SELECT webhook_id FROM shopify_webhook_deliveries WHERE webhook_id = ANY($1::text[])`,
        [acknowledged],
      );
      expect(acknowledged.length).toBeGreaterThan(beforeSignal);
      expect(new Set(rows.map((r) => r.webhook_id))).toEqual(new Set(acknowledged));
    } finally {
      await db.end();
    }
  }, 90_000);
});
