/**
 * What other modules (the intelligence: churn, lifetime value, draft context) may read about a
 * customer's orders. Served from the CRM's own tables, kept current by Shopify webhooks, syncs
 * and reconciliation: never a network call, never fails because Shopify is down.
 */
export interface OrderSummary {
  customerId: string;
  ordersCount: number;
  /** In `currency`; cancelled orders excluded. */
  totalSpent: number;
  currency: string | null;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
}

/** The fields the intelligence contract (`POST /api/ml/draft` → `orders[]`) needs. */
export interface RecentOrder {
  id: string;
  name: string | null;
  totalPrice: string;
  currency: string | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  createdAt: string;
}

export interface OrderSummarySource {
  /** null when we know no orders for this customer. */
  orderSummary(customerId: string): Promise<OrderSummary | null>;
  /** Newest first. */
  recentOrders(customerId: string, limit?: number): Promise<RecentOrder[]>;
}
