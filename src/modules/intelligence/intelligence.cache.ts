import { createHash } from 'node:crypto';
import type { Redis, RedisKeys } from '../../platform/redis/redis';
import type { Sourced } from './quimbi/quimbi.client';
import type { ChurnPrediction, CustomerDna, DraftResponse } from './quimbi/quimbi.contract';

export type CachedDraft = Sourced<DraftResponse>;

/**
 * Redis cache of intelligence answers. Profiles (DNA, churn) by customer; drafts by ticket and
 * the state of its conversation, so a new (or edited, or deleted) message is a different key
 * and the old draft simply expires.
 */
export class IntelligenceCache {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async profile(
    customerId: string,
  ): Promise<{ dna: Sourced<CustomerDna> | null; churn: Sourced<ChurnPrediction> | null }> {
    const [dna, churn] = await this.redis.mget(this.dnaKey(customerId), this.churnKey(customerId));
    return { dna: parse<Sourced<CustomerDna>>(dna), churn: parse<Sourced<ChurnPrediction>>(churn) };
  }

  async putDna(customerId: string, dna: Sourced<CustomerDna>, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.dnaKey(customerId), JSON.stringify(dna), 'EX', ttlSeconds);
  }

  async putChurn(customerId: string, churn: Sourced<ChurnPrediction>, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.churnKey(customerId), JSON.stringify(churn), 'EX', ttlSeconds);
  }

  /** Churn depends on the customer's recent tickets: a new one makes the cached churn stale. */
  async forgetChurn(customerId: string): Promise<void> {
    await this.redis.del(this.churnKey(customerId));
  }

  /** Erasure: every cached answer about the customer and their tickets' drafts. */
  async forgetCustomer(customerId: string, ticketIds: string[]): Promise<void> {
    await this.redis.del(this.dnaKey(customerId), this.churnKey(customerId));
    for (const ticketId of ticketIds) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(
          cursor,
          'MATCH',
          this.draftKey(ticketId, '*'),
          'COUNT',
          100,
        );
        cursor = next;
        if (keys.length > 0) await this.redis.del(...keys);
      } while (cursor !== '0');
    }
  }

  async draft(ticketId: string, version: string): Promise<CachedDraft | null> {
    return parse<CachedDraft>(await this.redis.get(this.draftKey(ticketId, version)));
  }

  async putDraft(ticketId: string, version: string, draft: CachedDraft, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.draftKey(ticketId, version), JSON.stringify(draft), 'EX', ttlSeconds);
  }

  /** A short, stable name for everything a draft depends on. */
  static version(parts: Array<string | number | null | undefined>): string {
    return createHash('sha1')
      .update(parts.map((p) => String(p ?? '')).join('\u0000'))
      .digest('base64url')
      .slice(0, 16);
  }

  private dnaKey(customerId: string) {
    return this.keys.key('intel', 'dna', customerId);
  }

  private churnKey(customerId: string) {
    return this.keys.key('intel', 'churn', customerId);
  }

  private draftKey(ticketId: string, version: string) {
    return this.keys.key('intel', 'draft', ticketId, version);
  }
}

function parse<T>(raw: string | null): T | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
