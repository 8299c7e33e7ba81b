import type { CustomersService } from '../../customers/customers.service';
import type { IntelligencePorts } from '../intelligence.ports';
import type { IntelligenceRepository } from '../intelligence.repository';
import type { QuimbiClient, Sourced } from '../quimbi/quimbi.client';
import type {
  CategorizeRequest,
  CategorizeResponse,
  ChurnPrediction,
  CustomerDna,
  DraftRequest,
  DraftResponse,
} from '../quimbi/quimbi.contract';
import type { CategoryModel } from './category-model';
import { churnScore, localDna, type CustomerSignals } from './churn-score';
import { composeDraft, draftLanguageOf, reusableAnswer } from './draft-templates';

/** A similar ticket below this score is not similar enough to answer from. */
const minSimilarity = 0.1;
/** Ports into other modules are given this long before the local answer goes on without them. */
const portBudgetMs = 500;

export function settleWithin<T>(work: Promise<T>, ms: number, otherwise: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(otherwise), ms);
    timer.unref();
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(otherwise);
      },
    );
  });
}

/**
 * The CRM's own intelligence: modest, transparent methods over this installation's data, no
 * external calls. It is the whole intelligence when no Quimbi URL is configured, and every
 * breaker's fallback when one is. Its answers say `source: "fallback"`.
 */
export class LocalIntelligence implements QuimbiClient {
  readonly mode = 'local' as const;

  constructor(
    private readonly repo: IntelligenceRepository,
    private readonly customers: CustomersService,
    private readonly categories: CategoryModel,
    private readonly ports: IntelligencePorts,
  ) {}

  /**
   * Greets the customer by name in their language, then answers with the first agent reply of
   * the most similar solved ticket; without one, acknowledges the issue by restating it.
   */
  async draft(request: DraftRequest): Promise<Sourced<DraftResponse>> {
    const language = draftLanguageOf(request.customer.language);
    const asked = [
      request.ticket.subject,
      ...request.ticket.messages.filter((m) => m.role === 'customer').map((m) => m.body),
    ].join('\n');
    const similar = await this.repo.similarSolvedReply(request.ticket.id, asked);
    const tone = request.tone ?? 'friendly';
    if (similar && similar.score >= minSimilarity) {
      const firstName = request.customer.name?.trim().split(/\s+/)[0];
      const answer = reusableAnswer(similar.reply, similar.customerName, firstName);
      if (answer) {
        return {
          draft: composeDraft({
            language,
            customerName: request.customer.name,
            tone,
            answer,
            subject: request.ticket.subject,
          }),
          confidence: Math.round(Math.min(0.8, 0.3 + similar.score) * 100) / 100,
          language,
          source: 'fallback',
        };
      }
    }
    return {
      draft: composeDraft({
        language,
        customerName: request.customer.name,
        tone,
        subject: request.ticket.subject,
      }),
      confidence: 0.2,
      language,
      source: 'fallback',
    };
  }

  async customerDna(customerId: string): Promise<Sourced<CustomerDna>> {
    return { ...localDna(await this.signals(customerId)), source: 'fallback' };
  }

  async churn(customerId: string): Promise<Sourced<ChurnPrediction>> {
    return { ...churnScore(await this.signals(customerId)), source: 'fallback' };
  }

  async categorize(request: CategorizeRequest): Promise<Sourced<CategorizeResponse>> {
    const classifier = await this.categories.current();
    const p = classifier.predict(`${request.subject}\n${request.body}`, 3);
    return {
      category: p.label,
      confidence: round(p.confidence),
      candidates: p.candidates.map((c) => ({ category: c.label, confidence: round(c.confidence) })),
      source: 'fallback',
    };
  }

  health() {
    return Promise.resolve({ status: 'ok', source: 'fallback' as const });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async signals(customerId: string): Promise<CustomerSignals> {
    const customer = await this.customers.get(customerId);
    const since = new Date(Date.now() - 90 * 86_400_000);
    const [orders, activity, breached] = await Promise.all([
      settleWithin(this.ports.orderSummaries.summaryFor(customerId), portBudgetMs, null),
      this.repo.ticketActivity(customerId),
      this.ports.slaBreaches
        ? settleWithin(this.ports.slaBreaches.breachedTickets(customerId, since), portBudgetMs, null)
        : Promise.resolve(null),
    ]);
    return {
      orders,
      ticketsLast90Days: activity.ticketsLast90Days,
      unresolvedTickets: activity.unresolvedTickets,
      breachedTickets: breached ?? activity.slowTickets,
      tier: customer.tier,
    };
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
