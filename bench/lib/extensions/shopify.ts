import { allTablesExist, type SeedExtension } from './extension';

/** The shop the bench's Shopify traffic (bench/shopify-webhooks.ts) names by default. */
export const BENCH_SHOP = 'bench-store.myshopify.com';
const tables = ['shopify_orders', 'customer_order_summaries'];

/**
 * Orders of the customers the core load linked to Shopify (`shopify_customer_id`), 85 % of them
 * with 1–12 orders (most with few), and the per-customer summary computed from them exactly as
 * shopify.repository.ts `recomputeSummary` does (cancelled orders do not count).
 */
const insertOrders = `
  INSERT INTO shopify_orders (shop, shopify_order_id, name, shopify_customer_id, customer_id, total_price, currency,
    financial_status, fulfillment_status, cancelled_at, order_created_at, shopify_updated_at)
  SELECT $3, (5000000000000 + row_number() OVER (ORDER BY c.id, g.n))::text,
         '#' || (1000 + row_number() OVER (ORDER BY c.id, g.n)), c.shopify_customer_id, c.id,
         round((12 + power(bench.rand(c.id || ':price:' || g.n, $1), 2) * 480)::numeric, 2),
         CASE WHEN c.language IN ('de','fr','es','it','nl','pt') THEN 'EUR' ELSE 'USD' END,
         CASE WHEN bench.rand(c.id || ':refund:' || g.n, $1) < 0.05 THEN 'refunded' ELSE 'paid' END,
         CASE WHEN o.at > $2::timestamptz - interval '3 days' THEN NULL ELSE 'fulfilled' END,
         CASE WHEN bench.rand(c.id || ':cancel:' || g.n, $1) < 0.03 THEN o.at + interval '2 hours' END,
         o.at, o.at + interval '2 hours'
    FROM customers c
   CROSS JOIN LATERAL generate_series(1, 1 + floor(power(bench.rand(c.id || ':orders', $1), 2.5) * 12)::int) g(n)
   CROSS JOIN LATERAL (SELECT c.created_at + bench.rand(c.id || ':at:' || g.n, $1)
                              * ($2::timestamptz - interval '3 hours' - c.created_at) AS at) o
   WHERE c.shopify_customer_id IS NOT NULL AND bench.rand(c.id || ':buyer', $1) < 0.85`;

const insertSummaries = `
  INSERT INTO customer_order_summaries (customer_id, orders_count, total_spent, currency, first_order_at,
    last_order_at, updated_at)
  SELECT o.customer_id, count(*) FILTER (WHERE o.cancelled_at IS NULL),
         coalesce(sum(o.total_price) FILTER (WHERE o.cancelled_at IS NULL), 0),
         (array_agg(o.currency ORDER BY o.order_created_at DESC) FILTER (WHERE o.cancelled_at IS NULL))[1],
         min(o.order_created_at) FILTER (WHERE o.cancelled_at IS NULL),
         max(o.order_created_at) FILTER (WHERE o.cancelled_at IS NULL), max(o.shopify_updated_at)
    FROM shopify_orders o WHERE o.customer_id IS NOT NULL GROUP BY o.customer_id`;

export const shopifyExtension: SeedExtension = {
  name: 'shopify',
  version: 1,
  tables: [...tables, 'customers'],
  applies: (client) => allTablesExist(client, tables),
  async reset(client) {
    await client.query(`TRUNCATE ${tables.join(', ')}`);
    await client.query(
      `UPDATE customers SET shopify_shop = NULL, shopify_updated_at = NULL WHERE shopify_shop IS NOT NULL`,
    );
  },
  async run(client, ctx) {
    const linked = await client.query(
      `UPDATE customers SET shopify_shop = $1, shopify_updated_at = greatest(created_at, last_contact_at)
        WHERE shopify_customer_id IS NOT NULL`,
      [BENCH_SHOP],
    );
    const orders = await client.query(insertOrders, [ctx.seed, ctx.now, BENCH_SHOP]);
    const summaries = await client.query(insertSummaries);
    return {
      linkedCustomers: linked.rowCount ?? 0,
      orders: orders.rowCount ?? 0,
      orderSummaries: summaries.rowCount ?? 0,
    };
  },
};
