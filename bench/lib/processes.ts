import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';

export interface Running {
  url: string;
  pid: number | null;
  stop(): Promise<void>;
}

/** Compiled entry points, relative to this file in dist/bench/lib. */
export const apiEntry = path.resolve(__dirname, '../../src/main.js');
export const baselineEntry = path.resolve(__dirname, '../baseline-server.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(url: string, child: ChildProcess | null, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms (last: ${last})`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function spawnNode(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[], label: string): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Only warnings and errors are logged (LOG_LEVEL=warn); pass them through, prefixed.
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n'))
      if (line.trim()) process.stderr.write(`[${label}] ${line}\n`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return child;
}

export interface ApiOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** The environment the bench API runs with: production mode, quiet logs, its own Redis prefix. */
export function apiEnv(opts: ApiOptions, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: `bench-${process.pid}-${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_ACCESS_TTL_SECONDS: '86400',
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
    ...opts.env,
  };
}

/** Starts dist/src/main.js against the bench database and waits for /readyz. */
export async function startApi(opts: ApiOptions): Promise<Running & { env: NodeJS.ProcessEnv }> {
  const port = await freePort();
  const env = apiEnv(opts, port);
  // As scripts/start and the image run it (api_node_flags in scripts/lib.sh); --node-flags given later win.
  const flags = ['--max-old-space-size=384', '--max-semi-space-size=64', ...(opts.nodeArgs ?? [])];
  const child = spawnNode(apiEntry, env, flags, 'api');
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/readyz`, child);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, pid: child.pid ?? null, env, stop: () => stopChild(child) };
}

/** Starts the bare node:http + pg baseline (dist/bench/baseline-server.js). */
export async function startBaseline(databaseUrl: string, poolSize: number): Promise<Running> {
  const port = await freePort();
  const child = spawnNode(
    baselineEntry,
    {
      PATH: process.env.PATH,
      BASELINE_DATABASE_URL: databaseUrl,
      BASELINE_POOL_SIZE: String(poolSize),
      PORT: String(port),
    },
    [],
    'baseline',
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/healthz`, child);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, pid: child.pid ?? null, stop: () => stopChild(child) };
}
