import { FakeQuimbi } from '../fakes/fake-quimbi';
import { startTestApp, type TestApp } from '../setup/test-app';

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < until) {
    last = await check();
    if (last !== undefined && last !== false) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A test app whose intelligence client talks to a fresh fake Quimbi over a real socket. */
export async function startWithFakeQuimbi(
  env: NodeJS.ProcessEnv = {},
): Promise<{ app: TestApp; fake: FakeQuimbi }> {
  const fake = await FakeQuimbi.start();
  const app = await startTestApp({
    env: {
      QUIMBI_BACKEND_URL: fake.url,
      QUIMBI_API_KEY: fake.apiKey,
      QUIMBI_TIMEOUT_MS: '1000',
      QUIMBI_RETRY_BASE_MS: '20',
      ...env,
    },
  });
  return { app, fake };
}

/** Reads one sample of a metric from the Prometheus text at /metrics. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    const found = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
