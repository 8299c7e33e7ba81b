/**
 * What the analytics reads from other modules, as small ports with harmless defaults, so the
 * module works alone and the composition root wires the real sources when they exist.
 */

/** A customer the intelligence considers likely to leave. */
export interface ChurnRiskRecord {
  customerId: string;
  /** 0..1 */
  probability: number;
  riskLevel: 'low' | 'medium' | 'high';
  /** The customer's lifetime value, when known. */
  lifetimeValue: number | null;
  currency: string | null;
}

/**
 * Customers at high churn risk, from the intelligence module's cached predictions (a cache or
 * table read; it must answer fast, a report waits on it). Most likely first.
 */
export interface ChurnSource {
  /** Names the source in the report (`none` when nothing is wired). */
  readonly name: string;
  highRisk(limit: number): Promise<ChurnRiskRecord[]>;
}

/** The default: no churn predictions are known, so the report's high-risk list is empty. */
export const noChurnSource: ChurnSource = {
  name: 'none',
  highRisk: () => Promise.resolve([]),
};
