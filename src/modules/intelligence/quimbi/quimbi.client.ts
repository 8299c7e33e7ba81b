import type {
  CategorizeRequest,
  CategorizeResponse,
  ChurnPrediction,
  CustomerDna,
  DraftRequest,
  DraftResponse,
} from './quimbi.contract';

/** Where an answer came from: the Quimbi service, or the CRM's own local intelligence. */
export type IntelligenceSource = 'intelligence' | 'fallback';
export type Sourced<T> = T & { source: IntelligenceSource };

/**
 * The intelligence contract as the CRM uses it. Every method answers: the remote client falls
 * back to the local intelligence when the service is slow, failing, rate limiting or refusing,
 * and says so in `source`. Only `health` reports the service's own state (and may throw
 * `IntelligenceUnavailable`).
 */
export interface QuimbiClient {
  /** `remote` when a Quimbi URL is configured; `local` when the CRM is its own intelligence. */
  readonly mode: 'remote' | 'local';
  draft(request: DraftRequest): Promise<Sourced<DraftResponse>>;
  customerDna(customerId: string): Promise<Sourced<CustomerDna>>;
  churn(customerId: string): Promise<Sourced<ChurnPrediction>>;
  categorize(request: CategorizeRequest): Promise<Sourced<CategorizeResponse>>;
  health(): Promise<{ status: string; source: IntelligenceSource }>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}
