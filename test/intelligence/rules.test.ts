import { churnScore, localDna, riskLevelOf } from '../../src/modules/intelligence/local/churn-score';
import {
  chooseClassifier,
  keywordClassifier,
  loadClassifier,
} from '../../src/modules/intelligence/local/classifier.port';
import {
  composeDraft,
  draftLanguageOf,
  nameToGreet,
  reusableAnswer,
} from '../../src/modules/intelligence/local/draft-templates';
import {
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  retryFits,
} from '../../src/modules/intelligence/quimbi/retry-policy';

describe('retry policy', () => {
  test('when backing off, then the delay grows exponentially with jitter in the upper half and is capped', () => {
    expect(backoffDelay(0, 100, 2000, () => 0)).toBe(50);
    expect(backoffDelay(0, 100, 2000, () => 1)).toBe(100);
    expect(backoffDelay(2, 100, 2000, () => 0)).toBe(200);
    expect(backoffDelay(2, 100, 2000, () => 1)).toBe(400);
    expect(backoffDelay(10, 100, 2000, () => 1)).toBe(2000);
    const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(3, 100)));
    expect(spread.size).toBeGreaterThan(1);
  });

  test('when the budget left cannot hold the wait plus a useful attempt, then no retry is made', () => {
    expect(retryFits(1000, 200, 250)).toBe(true);
    expect(retryFits(400, 200, 250)).toBe(false);
  });

  test('when Retry-After is seconds, a date, missing or garbage, then it becomes a sane wait in ms', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBe(1000);
    expect(parseRetryAfter('soon', now)).toBe(1000);
    expect(parseRetryAfter('999999', now)).toBe(3600_000);
  });

  test('when a read fails, then only server-side failures are retryable', () => {
    expect([500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 422, 429, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe('churn score', () => {
  const now = new Date('2026-11-21T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  const quiet = {
    orders: null,
    ticketsLast90Days: 0,
    unresolvedTickets: 0,
    breachedTickets: 0,
    tier: 'standard' as const,
  };

  test('when nothing is known against the customer, then the risk is the low base rate with no drivers', () => {
    expect(churnScore(quiet, now)).toEqual({ probability: 0.1, riskLevel: 'low', drivers: [] });
  });

  test('when a one-time buyer has not ordered for half a year and had a missed SLA, then the risk is high with each reason named', () => {
    const result = churnScore(
      {
        ...quiet,
        orders: {
          orderCount: 1,
          totalSpent: 40,
          currency: 'USD',
          firstOrderAt: daysAgo(300),
          lastOrderAt: daysAgo(200),
        },
        breachedTickets: 2,
      },
      now,
    );
    expect(result.probability).toBeCloseTo(0.74, 5);
    expect(result.riskLevel).toBe('high');
    expect(result.drivers).toEqual([
      'no order for 200 days',
      '2 tickets with a missed SLA',
      'only one order so far',
    ]);
  });

  test('when a loyal, recent, high-value buyer has no support friction, then the risk is at the floor', () => {
    const result = churnScore(
      {
        ...quiet,
        orders: {
          orderCount: 12,
          totalSpent: 2400,
          currency: 'EUR',
          firstOrderAt: daysAgo(700),
          lastOrderAt: daysAgo(5),
        },
      },
      now,
    );
    expect(result).toEqual({ probability: 0.02, riskLevel: 'low', drivers: [] });
  });

  test('when support friction piles up, then the probability never exceeds 0.98', () => {
    const result = churnScore(
      { ...quiet, ticketsLast90Days: 9, unresolvedTickets: 6, breachedTickets: 8 },
      now,
    );
    expect(result.probability).toBeLessThanOrEqual(0.98);
    expect(result.riskLevel).toBe('high');
  });

  test('when the probability crosses 0.35 and 0.6, then the level moves to medium and high', () => {
    expect([0.34, 0.35, 0.59, 0.6].map(riskLevelOf)).toEqual(['low', 'medium', 'medium', 'high']);
  });

  test('when orders are known, then the local DNA names an archetype and the lifetime value', () => {
    const dna = localDna(
      {
        ...quiet,
        tier: 'vip',
        orders: {
          orderCount: 6,
          totalSpent: 600,
          currency: 'GBP',
          firstOrderAt: daysAgo(400),
          lastOrderAt: daysAgo(20),
        },
      },
      now,
    );
    expect(dna).toEqual({
      archetype: 'loyal',
      segments: ['vip', 'repeat_buyer'],
      traits: {
        orderCount: 6,
        averageOrderValue: 100,
        ticketsLast90Days: 0,
        unresolvedTickets: 0,
        daysSinceLastOrder: 20,
      },
      lifetimeValue: 600,
      currency: 'GBP',
    });
  });
});

describe('draft templates', () => {
  test('when the language tag has a region or is unknown, then the base language or English is used', () => {
    expect(['es-MX', 'FR', 'de_AT', 'pt-BR', undefined, null].map(draftLanguageOf)).toEqual([
      'es',
      'fr',
      'de',
      'en',
      'en',
      'en',
    ]);
  });

  test('when greeting, then friendly uses the first name and formal the full name', () => {
    expect(nameToGreet('  Amélie   Durand ', 'friendly')).toBe('Amélie');
    expect(nameToGreet('Amélie Durand', 'formal')).toBe('Amélie Durand');
    expect(nameToGreet('', 'friendly')).toBeUndefined();
  });

  test('when there is no answer, then each language acknowledges the issue by restating the subject', () => {
    const ack = (language: 'en' | 'es' | 'fr' | 'de') =>
      composeDraft({ language, customerName: 'Sam Lee', tone: 'friendly', subject: 'Late parcel' });
    expect(ack('en')).toBe(
      "Hi Sam,\n\nThank you for getting in touch about “Late parcel”. I'm looking into this now and will get back to you as soon as I can.\n\nKind regards,",
    );
    expect(ack('es')).toMatch(/^Hola, Sam:\n\nGracias por escribirnos sobre «Late parcel»/);
    expect(ack('fr')).toMatch(/^Bonjour Sam,\n\nMerci de nous avoir contactés au sujet de « Late parcel »/);
    expect(ack('de')).toMatch(/^Hallo Sam,\n\nVielen Dank für Ihre Nachricht zu „Late parcel“/);
    expect(composeDraft({ language: 'en', tone: 'friendly', subject: 'x' }).startsWith('Hi there,')).toBe(
      true,
    );
  });

  test('when another customer’s reply is reused, then its greeting, sign-off and their name are removed', () => {
    const reply =
      'Hello Priya Shah,\nYour refund was issued today, Priya.\nIt shows in 3-5 days.\n\nKind regards,\nBob';
    expect(reusableAnswer(reply, 'Priya Shah', 'Sam')).toBe(
      'Your refund was issued today, Sam.\nIt shows in 3-5 days.',
    );
    expect(reusableAnswer('Thanks Priya, fixed.', 'Priya Shah')).toBe('Thanks, fixed.');
  });
});

describe('classifier port', () => {
  test('when no model is trained, then keyword rules categorise common support topics', () => {
    const c = keywordClassifier();
    expect(c.predict('My parcel has not arrived, tracking is stuck').label).toBe('shipping');
    expect(c.predict('I was charged twice for my order').label).toBe('billing');
    expect(c.predict('Hello there').label).toBe('general');
  });

  test('when enough labelled examples exist, then a trained model is chosen, and it survives serialisation', () => {
    const examples = [
      { text: 'warranty claim kettle', label: 'warranty' },
      { text: 'guarantee on my kettle', label: 'warranty' },
      { text: 'bulk order for my cafe', label: 'wholesale' },
      { text: 'wholesale prices for resellers', label: 'wholesale' },
    ];
    expect(chooseClassifier(examples, 3).labels).toContain('general');
    const trained = chooseClassifier(examples, 2);
    const restored = loadClassifier(JSON.parse(JSON.stringify(trained.serialize())));
    expect(restored.predict('is the kettle under warranty').label).toBe('warranty');
    expect(restored.predict('bulk prices').label).toBe('wholesale');
  });
});
