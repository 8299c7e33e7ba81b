import type { FakeSlack, FakeSlackOptions, PostedMessage } from '../fakes/fake-slack';
import type { TestApp } from '../setup/test-app';

export const fakeSlackSetup: FakeSlackOptions = {
  token: 'xoxb-test-token',
  channels: [
    { id: 'C0ALERTS', name: 'sla-alerts' },
    { id: 'C0URGENT', name: 'urgent' },
    { id: 'C0OUTSIDE', name: 'outside', isMember: false },
  ],
  users: [{ id: 'U0ALICE', email: 'alice@test.example', name: 'alice' }],
};

export const signingSecret = 'test-signing-secret-8f3a';
export const appUrl = 'https://crm.test.example';

export function slackEnv(fake: FakeSlack, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    SLACK_BOT_TOKEN: fake.token,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ALERT_CHANNEL: '#sla-alerts',
    SLACK_URGENT_CHANNEL: '#urgent',
    SLACK_SIGNING_SECRET: signingSecret,
    APP_URL: appUrl,
    SLACK_BATCH_WINDOW_MS: '300',
    SLACK_RETRY_BASE_MS: '200',
    SLACK_TIMEOUT_MS: '3000',
    ...extra,
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once no notification is pending and the slack queue has nothing waiting, delayed or active. */
export async function slackQuiet(app: TestApp, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    'the Slack outbox and queue to be quiet',
    async () => {
      await app.container.events.drain();
      const [{ n }] = (await app.container.db.query(
        `SELECT count(*)::int AS n FROM slack_notifications WHERE status = 'pending'`,
      )) as [{ n: number }];
      const c = await app.container.queues.queue('slack').getJobCounts();
      return n === 0 && c.waiting + c.active + c.delayed === 0;
    },
    timeoutMs,
  );
}

/** How many times each ticket number (#123) appears in the text of these messages. */
export function ticketNumberCounts(messages: PostedMessage[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of messages) {
    for (const match of m.text.matchAll(/#(\d+)\b/g)) {
      const n = Number(match[1]);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
  }
  return counts;
}

export function breachPayload(ticketId: string, at = new Date()) {
  return {
    ticketId,
    target: 'first_response' as const,
    dueAt: new Date(at.getTime() - 5 * 60_000).toISOString(),
    breachedAt: at.toISOString(),
    assigneeId: null,
  };
}
