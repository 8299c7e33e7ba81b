import type { DraftOrder } from './quimbi/quimbi.contract';

/**
 * What the intelligence reads from other modules, as small ports with harmless defaults, so the
 * module works alone and the composition root wires the real sources when they exist.
 */

/** A customer's order history in one row (the Shopify module keeps `customer_order_summaries`). */
export interface OrderSummary {
  orderCount: number;
  totalSpent: number;
  currency: string;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
}

export interface OrderSummarySource {
  /** null when nothing is known about the customer's orders. */
  summaryFor(customerId: string): Promise<OrderSummary | null>;
}

/** The customer's most recent orders, as draft context (the Shopify module's order lookup). */
export interface RecentOrdersSource {
  recentOrders(customerId: string, limit: number): Promise<DraftOrder[]>;
}

/** How many of a customer's tickets missed an SLA target since a date (the SLA module). */
export interface SlaBreachSource {
  breachedTickets(customerId: string, since: Date): Promise<number>;
}

export const noOrderSummaries: OrderSummarySource = { summaryFor: () => Promise.resolve(null) };
export const noRecentOrders: RecentOrdersSource = { recentOrders: () => Promise.resolve([]) };

export interface IntelligencePorts {
  orderSummaries: OrderSummarySource;
  recentOrders: RecentOrdersSource;
  /** Unset: the intelligence's own proxy (tickets left unanswered for a day). */
  slaBreaches?: SlaBreachSource;
}
