/**
 * What other modules (the intelligence: churn, lifetime value, draft context) may read about a
 * customer's orders. Served from the CRM's own tables, kept current by Shopify webhooks, syncs
 * and reconciliation: never a network call, never fails because Shopify is down. The shapes match
 * the intelligence's ports (`OrderSummarySource.summaryFor`, `RecentOrdersSource.recentOrders`),
 * so `services.shopify.orders` can be passed as both.
 */
export interface OrderSummary {
  orderCount: number;
  /** In `currency`; cancelled orders excluded. */
  totalSpent: number;
  currency: string;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
}

/** The fields the intelligence contract (`POST /api/ml/draft` → `orders[]`) needs. */
export interface RecentOrder {
  id: string;
  name: string;
  totalPrice: string;
  currency: string;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  createdAt: string;
}

export interface OrderSummarySource {
  /** null when we know no orders for this customer. */
  orderSummary(customerId: string): Promise<OrderSummary | null>;
  /** The same, under the name the intelligence's port uses. */
  summaryFor(customerId: string): Promise<OrderSummary | null>;
  /** Newest first (cancelled ones included, flagged by their financial status). */
  recentOrders(customerId: string, limit?: number): Promise<RecentOrder[]>;
}
