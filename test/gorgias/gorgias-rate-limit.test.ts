import { FakeGorgias } from '../fakes/fake-gorgias';
import type { TestApp } from '../setup/test-app';
import { startGorgiasApp } from './helpers';

describe('Gorgias rate limit shared by processes', () => {
  test('when two API/worker processes call Gorgias at once, then together they stay under the account limit', async () => {
    const fake = await new FakeGorgias({ limit: 5, windowMs: 1000 }).start();
    // A generous margin: this machine's event loop can stall for a few hundred ms under load.
    const env = { GORGIAS_RATE_LIMIT: '5', GORGIAS_RATE_WINDOW_MS: '1000', GORGIAS_RATE_MARGIN_MS: '600' };
    const a = await startGorgiasApp(fake, env);
    let b: TestApp | undefined;
    try {
      b = await startGorgiasApp(fake, env, a);
      fake.seedTicket();
      const calls = [a, b].flatMap((app) =>
        Array.from({ length: 7 }, () => {
          const client = app.container.services.gorgias.client;
          if (!client) throw new Error('client not configured');
          return client.listTickets({ limit: 10 });
        }),
      );
      const pages = await Promise.all(calls);
      expect(pages.every((p) => p.data.length === 1)).toBe(true);
      expect(fake.requests).toHaveLength(14);
      expect(fake.tooManyRequests).toBe(0);
      expect(fake.maxInAnyWindow()).toBeLessThanOrEqual(5);
    } finally {
      await b?.stop();
      await a.stop();
      await fake.stop();
    }
  });

  test('when the credentials are wrong, then the call fails without retrying', async () => {
    const fake = await new FakeGorgias().start();
    const app = await startGorgiasApp(fake, { GORGIAS_API_KEY: 'wrong-key' });
    try {
      const client = app.container.services.gorgias.client;
      await expect(client?.getTicket(1)).rejects.toMatchObject({ status: 401, retryable: false });
      expect(fake.requests).toHaveLength(1);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });
});
