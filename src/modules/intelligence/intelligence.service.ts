import type { EventBus } from '../../platform/events/event-bus';
import { NotFoundError } from '../../platform/errors/app-error';
import type { Logger } from '../../platform/logging/logger';
import type { CustomerEntity } from '../customers/customer.entity';
import type { CustomersService } from '../customers/customers.service';
import type { TicketEntity } from '../tickets/ticket.entity';
import type { TicketsService } from '../tickets/tickets.service';
import { IntelligenceCache } from './intelligence.cache';
import type { IntelligenceConfig } from './intelligence.config';
import type { IntelligencePorts } from './intelligence.ports';
import type { IntelligenceRepository } from './intelligence.repository';
import type { CategoryModel, RetrainOutcome } from './local/category-model';
import { settleWithin } from './local/local-intelligence';
import type { IntelligenceSource, QuimbiClient, Sourced } from './quimbi/quimbi.client';
import type { ChurnPrediction, CustomerDna, DraftRequest, DraftResponse } from './quimbi/quimbi.contract';

export type Tone = 'friendly' | 'formal';

export interface CustomerProfile {
  dna: CustomerDna;
  churn: ChurnPrediction;
  source: IntelligenceSource;
}

export interface CategorisationOutcome {
  status: 'categorised' | 'already_categorised' | 'missing';
  category?: string;
  confidence?: number;
  applied?: boolean;
  source?: IntelligenceSource;
}

/** Messages sent as draft context: the latest ones, each cut to a sane length. */
const draftMessages = 30;
const maxMessageChars = 4000;
const ordersForDraft = 5;
const portBudgetMs = 500;

const strip = <T extends object>(v: Sourced<T>): T => {
  const { source: _source, ...rest } = v;
  return rest as unknown as T;
};

/**
 * Everything the CRM asks of the intelligence: drafts, customer profiles, ticket enrichment,
 * categories and the customer value used by the smart ordering. Answers are cached in Redis;
 * the client (remote with breaker and fallback, or local) always answers.
 */
export class IntelligenceService {
  /** Work in flight, by key: concurrent askers share one computation; close() waits for it. */
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: QuimbiClient,
    private readonly repo: IntelligenceRepository,
    private readonly cache: IntelligenceCache,
    private readonly tickets: TicketsService,
    private readonly customers: CustomersService,
    private readonly categories: CategoryModel,
    private readonly ports: IntelligencePorts,
    private readonly events: EventBus,
    private readonly config: IntelligenceConfig,
    private readonly logger: Logger,
  ) {}

  get mode(): 'remote' | 'local' {
    return this.client.mode;
  }

  /**
   * A reply draft for the ticket, from the service when it answers, else from the local
   * intelligence. Cached per conversation state: asking again for an unchanged ticket costs
   * no call; a new message makes a new draft.
   */
  async draft(ticketId: string, tone?: Tone): Promise<Sourced<DraftResponse>> {
    const ticket = await this.tickets.get(ticketId);
    const [customer, fingerprint] = await Promise.all([
      this.customers.get(ticket.customerId),
      this.repo.messageFingerprint(ticketId),
    ]);
    const version = IntelligenceCache.version([
      fingerprint.lastMessageId,
      fingerprint.count,
      fingerprint.lastChangedAt?.getTime(),
      ticket.subject,
      ticket.category,
      tone,
      customer.name,
      customer.language,
    ]);
    const cached = await this.cache.draft(ticketId, version).catch(() => null);
    if (cached) return cached;

    const [messages, orders] = await Promise.all([
      this.repo.conversation(ticketId, draftMessages),
      settleWithin(this.ports.recentOrders.recentOrders(customer.id, ordersForDraft), portBudgetMs, []),
    ]);
    const request: DraftRequest = {
      ticket: {
        id: ticket.id,
        subject: ticket.subject,
        ...(ticket.category ? { category: ticket.category } : {}),
        messages: messages.map((m) => ({ ...m, body: m.body.slice(0, maxMessageChars) })),
      },
      customer: {
        id: customer.id,
        email: customer.email ?? '',
        ...(customer.name ? { name: customer.name } : {}),
        tier: customer.tier,
        ...(customer.language ? { language: customer.language } : {}),
      },
      ...(orders.length > 0 ? { orders: orders.slice(0, ordersForDraft) } : {}),
      ...(tone ? { tone } : {}),
    };
    const draft = await this.client.draft(request);
    // A fallback draft is not kept when a service exists: once it recovers, the next ask uses it.
    if (draft.source === 'intelligence' || this.client.mode === 'local') {
      await this.cache
        .putDraft(ticketId, version, draft, this.config.ttl.draftSeconds)
        .catch((err: unknown) => this.logger.warn({ err }, 'could not cache a draft'));
    }
    return draft;
  }

  /** The customer's DNA and churn risk, cached; computing them also refreshes their tickets' value. */
  async profile(customerId: string): Promise<CustomerProfile> {
    await this.customers.get(customerId);
    const cached = await this.cachedProfile(customerId);
    if (cached.dna && cached.churn) return combine(cached.dna, cached.churn);
    return this.shared(`profile:${customerId}`, () => this.computeProfile(customerId, cached));
  }

  /**
   * For the ticket view: the customer's profile from the cache and the suggested category. On a
   * cache miss the read waits at most the enrichment budget; the profile is computed in the
   * background either way, so the next read finds it.
   */
  async enrichmentFor(
    ticket: TicketEntity,
    customer: CustomerEntity,
  ): Promise<Record<string, unknown> | undefined> {
    const [cached, suggestion] = await Promise.all([
      this.cachedProfile(customer.id),
      this.repo.suggestion(ticket.id),
    ]);
    let profile: CustomerProfile | undefined =
      cached.dna && cached.churn ? combine(cached.dna, cached.churn) : undefined;
    if (!profile) {
      const filling = this.shared(`profile:${customer.id}`, () =>
        this.computeProfile(customer.id, cached),
      ).catch((err: unknown) => {
        this.logger.warn({ err }, 'background profile computation failed');
        return undefined;
      });
      profile =
        this.config.enrichmentBudgetMs > 0
          ? await settleWithin(filling, this.config.enrichmentBudgetMs, undefined)
          : undefined;
    }
    if (!profile && !suggestion) return undefined;
    return {
      ...(profile ? { profile: toProfileView(profile) } : {}),
      ...(suggestion ? { suggestedCategory: suggestion } : {}),
    };
  }

  /** The customer's last computed churn risk, from storage: fast enough for event listeners. */
  lastKnownChurn(customerId: string) {
    return this.repo.lastKnownChurn(customerId);
  }

  /** Customers whose last computed churn risk is high, most likely first. */
  highChurnRisk(limit: number) {
    return this.repo.highChurnRisk(limit);
  }

  /** Job: warm a customer's profile (and their tickets' value) unless it is cached already. */
  async refreshProfile(customerId: string): Promise<'cached' | 'computed' | 'missing'> {
    const cached = await this.cachedProfile(customerId);
    if (cached.dna && cached.churn) return 'cached';
    try {
      await this.customers.get(customerId);
    } catch (err) {
      if (err instanceof NotFoundError) return 'missing';
      throw err;
    }
    await this.shared(`profile:${customerId}`, () => this.computeProfile(customerId, cached));
    return 'computed';
  }

  /**
   * Job: asks for a new ticket's category. The suggestion is always stored; the ticket's
   * category is set only when it has none and the confidence is high enough. People's choices
   * always win, and only they teach the categoriser.
   */
  async categorizeTicket(ticketId: string): Promise<CategorisationOutcome> {
    const input = await this.repo.categorisationInput(ticketId);
    if (!input) return { status: 'missing' };
    if (input.category) return { status: 'already_categorised', category: input.category };
    const answer = await this.client.categorize({ subject: input.subject, body: input.body.slice(0, 8000) });
    const apply = answer.confidence >= this.config.categorizer.autoApplyConfidence;
    const applied = await this.repo.saveSuggestion(ticketId, answer.category, answer.confidence, apply);
    if (applied) {
      this.events.publish('ticket.updated', {
        ticketId,
        changes: { category: [null, answer.category] },
        actorId: null,
      });
    }
    return {
      status: 'categorised',
      category: answer.category,
      confidence: answer.confidence,
      applied,
      source: answer.source,
    };
  }

  /** Job: retrains the local categoriser from the tickets people have categorised. */
  retrainCategorizer(): Promise<RetrainOutcome> {
    return this.categories.retrain();
  }

  /** Waits for background work (profile fills) to finish; used on shutdown and by tests. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  private async cachedProfile(customerId: string) {
    return this.cache.profile(customerId).catch((err: unknown) => {
      this.logger.warn({ err }, 'intelligence cache unavailable');
      return { dna: null, churn: null };
    });
  }

  private async computeProfile(
    customerId: string,
    cached: { dna: Sourced<CustomerDna> | null; churn: Sourced<ChurnPrediction> | null },
  ): Promise<CustomerProfile> {
    const [dna, churn] = await Promise.all([
      cached.dna ?? this.client.customerDna(customerId),
      cached.churn ?? this.client.churn(customerId),
    ]);
    const ttl = (source: IntelligenceSource) =>
      source === 'fallback' && this.client.mode === 'remote'
        ? Math.min(this.config.ttl.fallbackSeconds, this.config.ttl.profileSeconds)
        : this.config.ttl.profileSeconds;
    const profile = combine(dna, churn);
    await Promise.all([
      cached.dna ? undefined : this.cache.putDna(customerId, dna, ttl(dna.source)),
      cached.churn ? undefined : this.cache.putChurn(customerId, churn, ttl(churn.source)),
      this.repo.recordInsights(customerId, profile.dna, profile.churn, profile.source),
    ]).catch((err: unknown) => this.logger.warn({ err }, 'could not store a computed profile'));
    return profile;
  }

  private shared<T>(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key) as Promise<T> | undefined;
    if (existing) return existing;
    const running = work().finally(() => this.inflight.delete(key));
    this.inflight.set(key, running);
    return running;
  }
}

function combine(dna: Sourced<CustomerDna>, churn: Sourced<ChurnPrediction>): CustomerProfile {
  return {
    dna: strip(dna),
    churn: strip(churn),
    source: dna.source === 'intelligence' && churn.source === 'intelligence' ? 'intelligence' : 'fallback',
  };
}

export function toProfileView(p: CustomerProfile) {
  return {
    dna: p.dna,
    churn: { probability: p.churn.probability, riskLevel: p.churn.riskLevel, drivers: p.churn.drivers },
    source: p.source,
  };
}
