import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeGorgias } from '../fakes/fake-gorgias';
import { startTestApp, type TestApp } from '../setup/test-app';

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

/** An app wired to the fake Gorgias; a generous, fast rate limit unless a test sets its own. */
export function startGorgiasApp(
  fake: FakeGorgias,
  env: NodeJS.ProcessEnv = {},
  share?: TestApp,
): Promise<TestApp> {
  return startTestApp({
    env: {
      GORGIAS_DOMAIN: 'acme',
      GORGIAS_EMAIL: fake.email,
      GORGIAS_API_KEY: fake.apiKey,
      GORGIAS_API_BASE_URL: fake.apiBase,
      GORGIAS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GORGIAS_RATE_LIMIT: '200',
      GORGIAS_RATE_WINDOW_MS: '1000',
      GORGIAS_TIMEOUT_MS: '3000',
      ...env,
    },
    ...(share ? { share } : {}),
  });
}

/** Polls until `fn` returns something truthy (async work: events → jobs → Gorgias). */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await sleep(50);
  }
}

export interface JobStatusBody {
  id: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  progress: { done: number; total?: number };
  result?: Record<string, number>;
  error?: string;
}

export async function waitForJob(
  app: TestApp,
  auth: { Authorization: string },
  jobId: string,
  until: Array<JobStatusBody['state']> = ['completed', 'failed'],
  timeoutMs = 20_000,
): Promise<JobStatusBody> {
  return eventually(
    async () => {
      const res = await app.http.get(`/api/jobs/${jobId}`).set(auth);
      const body = res.body as JobStatusBody;
      return until.includes(body.state) ? body : null;
    },
    `job ${jobId}`,
    timeoutMs,
  );
}

/** Our external_links rows for Gorgias, by entity type. */
export async function links(app: TestApp, type: 'ticket' | 'message' | 'customer') {
  return (await app.container.db.query(
    `SELECT entity_id, external_id, origin, external_status FROM external_links WHERE provider = 'gorgias' AND entity_type = $1`,
    [type],
  )) as Array<{ entity_id: string; external_id: string; origin: string; external_status: string | null }>;
}

/** Waits until no Gorgias job is waiting, active or delayed. */
export async function gorgiasQueueIdle(app: TestApp, timeoutMs = 15_000): Promise<void> {
  const queue = app.container.queues.queue('gorgias');
  await eventually(
    async () => {
      await app.container.events.drain();
      const c = await queue.getJobCounts();
      return c.waiting + c.active + c.delayed === 0;
    },
    'the gorgias queue to be idle',
    timeoutMs,
  );
}
