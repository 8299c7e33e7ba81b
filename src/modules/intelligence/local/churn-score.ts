import type { OrderSummary } from '../intelligence.ports';
import type { ChurnPrediction, CustomerDna, RiskLevel } from '../quimbi/quimbi.contract';

/** What the local intelligence knows about a customer: orders (when a shop is connected) and tickets. */
export interface CustomerSignals {
  orders: OrderSummary | null;
  /** Tickets opened in the last 90 days. */
  ticketsLast90Days: number;
  /** Tickets not yet solved or closed. */
  unresolvedTickets: number;
  /** Tickets that missed an SLA target in the last 90 days. */
  breachedTickets: number;
  tier: 'standard' | 'vip';
}

const day = 86_400_000;

interface Term {
  points: number;
  driver: string;
}

/**
 * A transparent churn score: a base rate plus named terms, each one a reason an agent can read.
 * Order recency, frequency and value (RFM) when orders are known; support friction (ticket
 * frequency, unresolved and breached tickets) always. Clamped to 0.02..0.98 — the local
 * intelligence is never certain.
 */
export function churnScore(s: CustomerSignals, now: Date = new Date()): ChurnPrediction {
  const terms: Term[] = [];
  const o = s.orders;
  if (o && o.orderCount > 0) {
    const daysSince = o.lastOrderAt ? Math.floor((now.getTime() - o.lastOrderAt.getTime()) / day) : null;
    if (daysSince !== null && daysSince >= 180)
      terms.push({ points: 0.3, driver: `no order for ${daysSince} days` });
    else if (daysSince !== null && daysSince >= 90)
      terms.push({ points: 0.15, driver: `no order for ${daysSince} days` });
    else if (daysSince !== null && daysSince <= 30)
      terms.push({ points: -0.05, driver: `ordered in the last 30 days` });
    if (o.orderCount === 1) terms.push({ points: 0.1, driver: 'only one order so far' });
    else if (o.orderCount >= 5) terms.push({ points: -0.1, driver: `repeat buyer (${o.orderCount} orders)` });
    if (o.totalSpent >= 1000)
      terms.push({
        points: -0.05,
        driver: `high lifetime value (${Math.round(o.totalSpent)} ${o.currency})`,
      });
  }
  if (s.ticketsLast90Days >= 5)
    terms.push({ points: 0.2, driver: `${s.ticketsLast90Days} tickets in 90 days` });
  else if (s.ticketsLast90Days >= 3)
    terms.push({ points: 0.1, driver: `${s.ticketsLast90Days} tickets in 90 days` });
  if (s.unresolvedTickets >= 3)
    terms.push({ points: 0.2, driver: `${s.unresolvedTickets} unresolved tickets` });
  else if (s.unresolvedTickets >= 1)
    terms.push({
      points: 0.08,
      driver: `${s.unresolvedTickets} unresolved ticket${s.unresolvedTickets > 1 ? 's' : ''}`,
    });
  if (s.breachedTickets > 0) {
    terms.push({
      points: Math.min(0.3, 0.12 * s.breachedTickets),
      driver: `${s.breachedTickets} ticket${s.breachedTickets > 1 ? 's' : ''} with a missed SLA`,
    });
  }
  const raw = 0.1 + terms.reduce((sum, t) => sum + t.points, 0);
  const probability = Math.round(Math.min(0.98, Math.max(0.02, raw)) * 100) / 100;
  const drivers = terms
    .filter((t) => t.points > 0)
    .sort((a, b) => b.points - a.points)
    .map((t) => t.driver);
  return { probability, riskLevel: riskLevelOf(probability), drivers };
}

export function riskLevelOf(probability: number): RiskLevel {
  if (probability >= 0.6) return 'high';
  if (probability >= 0.35) return 'medium';
  return 'low';
}

/** A modest local "DNA": an archetype and segments read off the same signals. */
export function localDna(s: CustomerSignals, now: Date = new Date()): CustomerDna {
  const o = s.orders;
  const orderCount = o?.orderCount ?? 0;
  const totalSpent = o?.totalSpent ?? 0;
  const daysSince = o?.lastOrderAt ? Math.floor((now.getTime() - o.lastOrderAt.getTime()) / day) : null;
  let archetype = 'unknown';
  if (o && orderCount === 0) archetype = 'prospect';
  else if (o) {
    if (daysSince !== null && daysSince >= 180) archetype = 'lapsed';
    else if (totalSpent >= 1000) archetype = 'high_value';
    else if (orderCount >= 5) archetype = 'loyal';
    else if (orderCount === 1) archetype = 'new_buyer';
    else archetype = 'occasional';
  }
  const segments: string[] = [];
  if (s.tier === 'vip') segments.push('vip');
  if (s.ticketsLast90Days >= 3) segments.push('frequent_contact');
  if (s.unresolvedTickets > 0) segments.push('open_issue');
  if (o && orderCount >= 5) segments.push('repeat_buyer');
  const traits: Record<string, number> = {
    orderCount,
    averageOrderValue: orderCount > 0 ? Math.round((totalSpent / orderCount) * 100) / 100 : 0,
    ticketsLast90Days: s.ticketsLast90Days,
    unresolvedTickets: s.unresolvedTickets,
  };
  if (daysSince !== null) traits.daysSinceLastOrder = daysSince;
  return {
    archetype,
    segments,
    traits,
    lifetimeValue: Math.round(totalSpent * 100) / 100,
    currency: o?.currency ?? 'USD',
  };
}
