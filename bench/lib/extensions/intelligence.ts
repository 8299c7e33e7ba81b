import { allTablesExist, tableExists, type SeedExtension } from './extension';

/** Share of customers with tickets whose profile was computed (read or routed recently). */
const PROFILED_SHARE = 0.85;

/**
 * The signals the local intelligence reads for a customer (local-intelligence.ts `signals`):
 * the Shopify order summary (none when there is no summary or it counts no order), ticket
 * activity as intelligence.repository.ts counts it, and SLA breaches of the last 90 days as
 * sla.repository.ts `breachedTicketCount` counts them.
 */
const signals = (withOrders: boolean, withSla: boolean) => `
  SELECT c.id AS customer_id, c.tier,
         ${withOrders ? 's.orders_count, s.total_spent::float8 AS total_spent, s.currency, s.last_order_at' : 'NULL::int AS orders_count, NULL::float8 AS total_spent, NULL::text AS currency, NULL::timestamptz AS last_order_at'},
         a.recent, a.unresolved,
         ${withSla ? 'coalesce(b.breached, 0)' : 'a.slow'} AS breached
    FROM customers c
    JOIN (
      SELECT t.customer_id,
             count(*) FILTER (WHERE t.created_at >= $2::timestamptz - interval '90 days') AS recent,
             count(*) FILTER (WHERE t.status NOT IN ('solved', 'closed')) AS unresolved,
             count(*) FILTER (WHERE t.created_at >= $2::timestamptz - interval '90 days' AND (
               (t.first_responded_at IS NULL AND t.status NOT IN ('solved', 'closed')
                AND t.created_at < $2::timestamptz - interval '24 hours')
               OR t.first_responded_at - t.created_at > interval '24 hours')) AS slow
        FROM tickets t WHERE t.deleted_at IS NULL GROUP BY t.customer_id) a ON a.customer_id = c.id
    ${withOrders ? 'LEFT JOIN customer_order_summaries s ON s.customer_id = c.id AND s.orders_count > 0' : ''}
    ${
      withSla
        ? `LEFT JOIN (
             SELECT t.customer_id, count(DISTINCT al.ticket_id) AS breached
               FROM sla_alerts al JOIN tickets t ON t.id = al.ticket_id
              WHERE al.kind = 'breach' AND al.occurred_at >= $2::timestamptz - interval '90 days'
              GROUP BY t.customer_id) b ON b.customer_id = c.id`
        : ''
    }
   WHERE bench.rand(c.id || ':profiled', $1) < ${PROFILED_SHARE}`;

/**
 * churn-score.ts `churnScore` and `localDna` over those signals, term for term (the probability
 * is rounded to hundredths like Math.round; JS rounding is floor(x + 0.5)), then the customer
 * value as intelligence.repository.ts `recordInsights` computes it.
 */
const insertInsights = (withOrders: boolean, withSla: boolean) => `
  WITH sig AS (${signals(withOrders, withSla)}),
  days AS (
    SELECT sig.*, floor(extract(epoch FROM $2::timestamptz - sig.last_order_at) / 86400) AS since,
           sig.orders_count IS NOT NULL AS has_orders
      FROM sig
  ),
  scored AS (
    SELECT d.*,
           0.1
           + CASE WHEN d.has_orders THEN
               CASE WHEN d.since >= 180 THEN 0.3 WHEN d.since >= 90 THEN 0.15 WHEN d.since <= 30 THEN -0.05 ELSE 0 END
               + CASE WHEN d.orders_count = 1 THEN 0.1 WHEN d.orders_count >= 5 THEN -0.1 ELSE 0 END
               + CASE WHEN d.total_spent >= 1000 THEN -0.05 ELSE 0 END
             ELSE 0 END
           + CASE WHEN d.recent >= 5 THEN 0.2 WHEN d.recent >= 3 THEN 0.1 ELSE 0 END
           + CASE WHEN d.unresolved >= 3 THEN 0.2 WHEN d.unresolved >= 1 THEN 0.08 ELSE 0 END
           + CASE WHEN d.breached > 0 THEN least(0.3, 0.12 * d.breached) ELSE 0 END AS raw
      FROM days d
  ),
  prob AS (
    SELECT s.*, floor(least(0.98, greatest(0.02, s.raw)) * 100 + 0.5) / 100 AS p,
           CASE WHEN s.has_orders THEN floor(s.total_spent * 100 + 0.5) / 100 ELSE 0 END AS ltv
      FROM scored s
  )
  INSERT INTO customer_insights (customer_id, churn_probability, churn_risk_level, lifetime_value, currency,
    archetype, customer_value, source, computed_at)
  SELECT p.customer_id, p.p,
         CASE WHEN p.p >= 0.6 THEN 'high' WHEN p.p >= 0.35 THEN 'medium' ELSE 'low' END,
         p.ltv, CASE WHEN p.has_orders THEN coalesce(p.currency, '') ELSE 'USD' END,
         CASE WHEN NOT p.has_orders THEN 'unknown'
              WHEN p.since >= 180 THEN 'lapsed'
              WHEN p.total_spent >= 1000 THEN 'high_value'
              WHEN p.orders_count >= 5 THEN 'loyal'
              WHEN p.orders_count = 1 THEN 'new_buyer'
              ELSE 'occasional' END,
         floor(p.p::float8 * p.ltv::float8 * 100 + 0.5) / 100,
         'fallback',
         $2::timestamptz - bench.rand(p.customer_id || ':computed', $1) * interval '6 hours'
    FROM prob p`;

export const intelligenceExtension: SeedExtension = {
  name: 'intelligence',
  version: 1,
  after: ['shopify', 'sla'],
  tables: ['customer_insights', 'tickets'],
  applies: (client) => allTablesExist(client, ['customer_insights']),
  async reset(client) {
    await client.query(`TRUNCATE customer_insights`);
    await client.query(`UPDATE tickets SET customer_value = 0 WHERE customer_value <> 0`);
  },
  async run(client, ctx) {
    const withOrders = await tableExists(client, 'customer_order_summaries');
    const withSla = await tableExists(client, 'sla_alerts');
    // The bench API runs the local intelligence (no Quimbi URL): its answers say "fallback".
    const insights = await client.query(insertInsights(withOrders, withSla), [ctx.seed, ctx.now]);
    // recordInsights copies the value onto the customer's live tickets (the smart order's term).
    const tickets = await client.query(
      `UPDATE tickets t SET customer_value = ci.customer_value
         FROM customer_insights ci
        WHERE t.customer_id = ci.customer_id AND t.deleted_at IS NULL AND ci.customer_value <> 0
          AND t.customer_value IS DISTINCT FROM ci.customer_value`,
    );
    const { rows } = await client.query<{ high: number }>(
      `SELECT count(*) FILTER (WHERE churn_risk_level = 'high')::int AS high FROM customer_insights`,
    );
    return {
      customerInsights: insights.rowCount ?? 0,
      highChurnRisk: rows[0]?.high ?? 0,
      ticketsWithCustomerValue: tickets.rowCount ?? 0,
    };
  },
};
