import type { DataSource, EntityManager } from 'typeorm';
import type { Page } from '../../../platform/http/common.schemas';
import { poolQuery, sql } from '../../../platform/db/sql';
import { decodeCursor, pageOf } from '../../../platform/http/cursor';
import type { PageParams } from './shopify-client';

// ---------------------------------------------------------------------------------------------
// Row shapes
// ---------------------------------------------------------------------------------------------

export type DeliveryStatus = 'received' | 'processed' | 'ignored' | 'failed';

export interface NewDelivery {
  webhookId: string;
  topic: string;
  shopDomain: string;
  eventId: string | null;
  apiVersion: string | null;
  triggeredAt: Date | null;
  /** The raw JSON text, stored as jsonb until the delivery is processed. */
  payload: string;
}

export interface FinishedDelivery {
  webhookId: string;
  status: Exclude<DeliveryStatus, 'received'>;
  outcome: string;
}

export interface DeliveryRow {
  webhook_id: string;
  topic: string;
  shop_domain: string;
  status: DeliveryStatus;
  payload: unknown;
}

export interface Tombstone {
  reason: 'deleted' | 'redacted';
  at: Date;
}

export interface LinkedCustomerRow {
  id: string;
  email: string | null;
  shopify_customer_id: string | null;
  shopify_updated_at: Date | null;
}

export interface ShopperState {
  tombstone: Tombstone | null;
  linked: LinkedCustomerRow | null;
}

/** Identifies a shopper across shops: the key of `shopperStates`' answer. */
export function shopperKey(shop: string, shopifyCustomerId: string): string {
  return `${shop}\n${shopifyCustomerId}`;
}

export interface LockedOrder {
  customer_id: string | null;
  shopify_updated_at: Date;
}

/** Identifies an order across shops: the key of `lockedOrders`' answer. */
export function orderKey(shop: string, shopifyOrderId: string): string {
  return `${shop}\n${shopifyOrderId}`;
}

export interface HeldCustomerRow {
  id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  shopify_shop: string | null;
  shopify_updated_at: Date | null;
}

export interface CustomerFields {
  email: string | null;
  name: string | null;
  phone: string | null;
  shopifyCustomerId: string;
  shop: string;
  shopifyUpdatedAt: Date;
}

export interface OrderRow {
  shop: string;
  shopifyOrderId: string;
  name: string | null;
  shopifyCustomerId: string | null;
  customerId: string | null;
  totalPrice: string;
  currency: string | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  cancelledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredOrderRow {
  shopify_order_id: string;
  name: string | null;
  total_price: string;
  currency: string | null;
  financial_status: string | null;
  fulfillment_status: string | null;
  cancelled_at: Date | null;
  order_created_at: Date;
  shopify_updated_at: Date;
}

export interface SummaryRow {
  customer_id: string;
  orders_count: number;
  total_spent: string;
  currency: string | null;
  first_order_at: Date | null;
  last_order_at: Date | null;
  updated_at: Date;
}

export type SyncPhase = 'customers' | 'orders' | 'done';
export type SyncStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface SyncRunRow {
  id: string;
  shop: string;
  kind: 'manual' | 'reconcile';
  status: SyncStatus;
  requested_by: string | null;
  job_id: string | null;
  include_orders: boolean;
  updated_since: Date | null;
  phase: SyncPhase;
  page_cursor: PageParams | null;
  pages_done: number;
  customers_done: number;
  orders_done: number;
  total: number | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ExportRow {
  id: string;
  shop: string;
  data_request_id: string;
  shopify_customer_id: string | null;
  customer_id: string | null;
  orders_requested: string[];
  created_at: Date;
}

export interface AuditRow {
  id: string;
  topic: string;
  shop: string;
  webhook_id: string | null;
  shopify_customer_id: string | null;
  customer_ids: string[];
  details: Record<string, unknown>;
  created_at: Date;
}

const SUMMARY_COLUMNS = `customer_id, orders_count, total_spent::text AS total_spent, currency, first_order_at,
  last_order_at, updated_at`;
const ORDER_COLUMNS = `shopify_order_id, name, total_price::text AS total_price, currency, financial_status,
  fulfillment_status, cancelled_at, order_created_at, shopify_updated_at`;

/**
 * `finishDeliveries`' statement. No condition on `status` reaches the planner: the statistics
 * that say how many deliveries wait are stale exactly when a storm has left a backlog, and with
 * a filter on it the planner scanned the whole pending index (every waiting delivery) on each
 * call: 9 of 14 ms for a batch of 100 with 170k waiting (BENCHMARKS.md). The status is read
 * with the lock instead (a locked row's latest version), and tested on that.
 */
export const finishDeliveriesSql = `
  WITH locked AS MATERIALIZED (
    SELECT d.webhook_id, d.status AS held, f.status, f.outcome
      FROM unnest($1::text[], $2::text[], $3::text[]) AS f(webhook_id, status, outcome)
      JOIN shopify_webhook_deliveries d USING (webhook_id)
     ORDER BY d.webhook_id
       FOR UPDATE OF d
  )
  UPDATE shopify_webhook_deliveries d
     SET status = locked.status, outcome = locked.outcome, processed_at = now(), payload = NULL
    FROM locked
   WHERE d.webhook_id = locked.webhook_id AND locked.held = 'received'`;

/**
 * `recomputeSummaries`' statement. Each customer's orders are counted in a LATERAL subquery, so
 * they are read through the customer index whatever the statistics say: as a join, a table the
 * planner believed small (never analysed, as a new shop's is while its first orders pour in)
 * was hashed whole on every call — 26 of 29 ms for a job of 45 customers with 54k orders, most
 * of what an order delivery cost (BENCHMARKS.md). A customer without orders gets a zero row.
 */
export const recomputeSummariesSql = `
  INSERT INTO customer_order_summaries
    (customer_id, orders_count, total_spent, currency, first_order_at, last_order_at, updated_at)
  SELECT c.id, s.orders_count, s.total_spent, s.currency, s.first_order_at, s.last_order_at, now()
    FROM (SELECT DISTINCT unnest($1::uuid[]) AS id ORDER BY 1) AS c
   CROSS JOIN LATERAL (
     SELECT count(*) AS orders_count, COALESCE(sum(o.total_price), 0) AS total_spent,
            (array_agg(o.currency ORDER BY o.order_created_at DESC))[1] AS currency,
            min(o.order_created_at) AS first_order_at, max(o.order_created_at) AS last_order_at
       FROM shopify_orders o
      WHERE o.customer_id = c.id AND o.cancelled_at IS NULL
   ) AS s
   ORDER BY c.id
  ON CONFLICT (customer_id) DO UPDATE SET
    orders_count = EXCLUDED.orders_count, total_spent = EXCLUDED.total_spent,
    currency = EXCLUDED.currency, first_order_at = EXCLUDED.first_order_at,
    last_order_at = EXCLUDED.last_order_at, updated_at = now()`;

/**
 * Every query of the Shopify integration. The compliance queries also read and erase rows of
 * the core tables (customers, tickets, messages): they are kept here, in one reviewed place,
 * rather than spread as side doors through the other modules.
 */
export class ShopifyRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /**
   * Serialises work on the same keys across transactions and processes (released at commit).
   * The locks are taken in sorted order (every caller's are, so two never wait on each other
   * crosswise) by one statement: unnest yields the array in order and each lock is taken as the
   * function scan produces its row.
   */
  async lock(tx: EntityManager, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k`, [
      [...new Set(keys)].sort(),
    ]);
  }

  // --- webhook deliveries ---------------------------------------------------------------------

  /**
   * Records the deliveries never seen before, in one statement for a whole batch of concurrent
   * deliveries (column arrays and one JSON array of payloads, so the text never changes).
   * Answers which were new, and which were repeats of a delivery still unprocessed: the
   * repeat's first copy may have been recorded without being enqueued, so it is enqueued again.
   */
  async recordDeliveries(batch: NewDelivery[]): Promise<{ inserted: Set<string>; pending: string[] }> {
    if (batch.length === 0) return { inserted: new Set(), pending: [] };
    const column = <K extends keyof NewDelivery>(key: K) => batch.map((d) => d[key]);
    const rows = await poolQuery<{ webhook_id: string; state: 'new' | 'pending' | 'done' }>(
      this.db,
      `WITH incoming AS (
         SELECT t.webhook_id, t.topic, t.shop_domain, t.event_id, t.api_version, t.triggered_at, p.payload
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
                WITH ORDINALITY AS t(webhook_id, topic, shop_domain, event_id, api_version, triggered_at, n)
           JOIN jsonb_array_elements($7::jsonb) WITH ORDINALITY AS p(payload, n) USING (n)
       ), recorded AS (
         -- In webhook-id order: two batches in flight can hold the same deliveries (repeats,
         -- Shopify's retries), and each waits for the other's uncommitted rows; taken in arrival
         -- order those waits crossed and deadlocked, stalling every acknowledgement for
         -- Postgres' deadlock_timeout (1 s) before one batch failed and was written row by row.
         INSERT INTO shopify_webhook_deliveries
                (webhook_id, topic, shop_domain, event_id, api_version, triggered_at, payload)
         SELECT * FROM incoming ORDER BY webhook_id
         ON CONFLICT (webhook_id) DO NOTHING
         RETURNING webhook_id
       )
       SELECT webhook_id, 'new' AS state FROM recorded
       UNION ALL
       -- The statement's snapshot holds only rows that existed before it: the repeats. Their
       -- status is tested outside WHERE so the lookup stays on the primary key: a filter on it
       -- lets the planner scan every pending row (the partial index), which under a storm is
       -- all of them.
       SELECT d.webhook_id, CASE WHEN d.status = 'received' THEN 'pending' ELSE 'done' END
         FROM shopify_webhook_deliveries d JOIN incoming USING (webhook_id)`,
      [
        column('webhookId'),
        column('topic'),
        column('shopDomain'),
        column('eventId'),
        column('apiVersion'),
        column('triggeredAt'),
        // The payloads are JSON texts already: joined into one array they need no escaping here
        // and one parse in Postgres.
        `[${column('payload').join(',')}]`,
      ],
    );
    return {
      inserted: new Set(rows.filter((r) => r.state === 'new').map((r) => r.webhook_id)),
      pending: rows.filter((r) => r.state === 'pending').map((r) => r.webhook_id),
    };
  }

  /** The recorded deliveries among these ids (a job's batch), in one read. */
  async deliveries(webhookIds: string[]): Promise<Map<string, DeliveryRow>> {
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT webhook_id, topic, shop_domain, status, payload FROM shopify_webhook_deliveries
        WHERE webhook_id = ANY($1::text[])`,
      [webhookIds],
    );
    return new Map(rows.map((r) => [r.webhook_id, r]));
  }

  /**
   * Marks deliveries done and drops their payloads (they may hold personal data), in one
   * statement for a job's batch; a delivery another run finished already is left as it is.
   * Two jobs can hold the same deliveries (a repeat of an unprocessed delivery is queued again),
   * so the rows are locked in webhook-id order first: updated in whatever order the join
   * produced, two such statements deadlocked under a storm.
   */
  async finishDeliveries(finished: FinishedDelivery[]): Promise<void> {
    if (finished.length === 0) return;
    await this.db.query(finishDeliveriesSql, [
      finished.map((f) => f.webhookId),
      finished.map((f) => f.status),
      finished.map((f) => f.outcome.slice(0, 500)),
    ]);
  }

  /** Deliveries still waiting after `olderThanSeconds` (their job was lost): to enqueue again. */
  async strandedDeliveries(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: Array<{ webhook_id: string }> = await this.db.query(
      `SELECT webhook_id FROM shopify_webhook_deliveries
        WHERE status = 'received' AND received_at < now() - make_interval(secs => $1)
        ORDER BY received_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => r.webhook_id);
  }

  async pruneDeliveries(olderThanDays: number): Promise<number> {
    const rows: unknown[] = await sql(
      this.db,
      `DELETE FROM shopify_webhook_deliveries
        WHERE status <> 'received' AND received_at < now() - make_interval(days => $1)
        RETURNING 1`,
      [olderThanDays],
    );
    return rows.length;
  }

  // --- customers ------------------------------------------------------------------------------

  async putTombstone(
    tx: EntityManager,
    shop: string,
    shopifyCustomerId: string,
    reason: 'deleted' | 'redacted',
  ): Promise<void> {
    // A deletion is final; a redaction only hides data older than itself.
    await tx.query(
      `INSERT INTO shopify_customer_tombstones (shop, shopify_customer_id, reason, at) VALUES ($1, $2, $3, now())
       ON CONFLICT (shop, shopify_customer_id) DO UPDATE
         SET reason = CASE WHEN shopify_customer_tombstones.reason = 'deleted' THEN 'deleted' ELSE EXCLUDED.reason END,
             at = now()`,
      [shop, shopifyCustomerId, reason],
    );
  }

  /**
   * What applying a Shopify customer starts from, in one read: the shopper's tombstone, if any,
   * and the customer linked to them, locked for the update that follows.
   */
  async shopperState(tx: EntityManager, shop: string, shopifyCustomerId: string): Promise<ShopperState> {
    const states = await this.shopperStates(tx, [{ shop, shopifyCustomerId }]);
    return states.get(shopperKey(shop, shopifyCustomerId)) ?? { tombstone: null, linked: null };
  }

  /** `shopperState` for many shoppers in one statement, keyed by `shopperKey`. */
  async shopperStates(
    tx: EntityManager,
    shoppers: ReadonlyArray<{ shop: string; shopifyCustomerId: string }>,
  ): Promise<Map<string, ShopperState>> {
    const rows: Array<
      { wanted_shop: string; wanted_id: string } & {
        tombstone_reason: Tombstone['reason'] | null;
        tombstone_at: Date | null;
      } & { [K in keyof LinkedCustomerRow]: LinkedCustomerRow[K] | null }
    > = await tx.query(
      // Every linked row the answer carries was read through the locking CTE, so it is locked.
      `WITH wanted AS (
         SELECT DISTINCT shop, shopify_customer_id FROM unnest($1::text[], $2::text[]) AS w(shop, shopify_customer_id)
       ), linked AS MATERIALIZED (
         SELECT id, email, shopify_customer_id, shopify_updated_at FROM customers
          WHERE shopify_customer_id = ANY($2::text[]) ORDER BY id FOR UPDATE
       )
       SELECT w.shop AS wanted_shop, w.shopify_customer_id AS wanted_id,
              t.reason AS tombstone_reason, t.at AS tombstone_at, l.*
         FROM wanted w
         LEFT JOIN shopify_customer_tombstones t ON t.shop = w.shop AND t.shopify_customer_id = w.shopify_customer_id
         LEFT JOIN linked l ON l.shopify_customer_id = w.shopify_customer_id`,
      [shoppers.map((s) => s.shop), shoppers.map((s) => s.shopifyCustomerId)],
    );
    const states = new Map<string, ShopperState>();
    for (const row of rows) {
      states.set(shopperKey(row.wanted_shop, row.wanted_id), {
        tombstone:
          row.tombstone_reason && row.tombstone_at
            ? { reason: row.tombstone_reason, at: row.tombstone_at }
            : null,
        linked: row.id
          ? {
              id: row.id,
              email: row.email,
              shopify_customer_id: row.shopify_customer_id,
              shopify_updated_at: row.shopify_updated_at,
            }
          : null,
      });
    }
    return states;
  }

  /**
   * The customers linked to these Shopify ids as they are now, keyed by Shopify id (no lock: a
   * read to skip no-op writes).
   */
  async heldCustomers(shopifyCustomerIds: readonly string[]): Promise<Map<string, HeldCustomerRow>> {
    const rows: Array<HeldCustomerRow & { shopify_customer_id: string }> = await this.db.query(
      `SELECT id, email, name, phone, shopify_shop, shopify_updated_at, shopify_customer_id FROM customers
        WHERE shopify_customer_id = ANY($1::text[])`,
      [shopifyCustomerIds],
    );
    return new Map(rows.map(({ shopify_customer_id: shopifyId, ...held }) => [shopifyId, held]));
  }

  async customerByEmail(tx: EntityManager, email: string): Promise<LinkedCustomerRow | null> {
    const rows: LinkedCustomerRow[] = await tx.query(
      `SELECT id, email, shopify_customer_id, shopify_updated_at FROM customers WHERE email = $1 FOR UPDATE`,
      [email],
    );
    return rows[0] ?? null;
  }

  async emailOwner(tx: EntityManager, email: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await tx.query(`SELECT id FROM customers WHERE email = $1`, [email]);
    return rows[0]?.id ?? null;
  }

  async insertCustomer(tx: EntityManager, f: CustomerFields): Promise<string> {
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO customers (email, name, phone, shopify_customer_id, shopify_shop, shopify_updated_at, tier)
       VALUES ($1, $2, $3, $4, $5, $6, 'standard') RETURNING id`,
      [f.email, f.name, f.phone, f.shopifyCustomerId, f.shop, f.shopifyUpdatedAt],
    );
    const id = rows[0]?.id;
    if (!id) throw new Error('customer insert returned no id');
    return id;
  }

  /** Applies Shopify's data to a customer. Null fields keep what the CRM has. */
  async updateLinkedCustomer(tx: EntityManager, id: string, f: CustomerFields): Promise<void> {
    await this.updateLinkedCustomers(tx, [{ id, fields: f }]);
  }

  /** `updateLinkedCustomer` for many customers in one statement (each id at most once). */
  async updateLinkedCustomers(
    tx: EntityManager,
    updates: ReadonlyArray<{ id: string; fields: CustomerFields }>,
  ): Promise<void> {
    if (updates.length === 0) return;
    const column = <K extends keyof CustomerFields>(k: K) => updates.map((u) => u.fields[k]);
    await tx.query(
      `UPDATE customers AS c
          SET email = COALESCE(u.email, c.email), name = COALESCE(u.name, c.name),
              phone = COALESCE(u.phone, c.phone), shopify_customer_id = u.shopify_customer_id,
              shopify_shop = u.shop, shopify_updated_at = u.shopify_updated_at, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
              AS u(id, email, name, phone, shopify_customer_id, shop, shopify_updated_at)
        WHERE c.id = u.id`,
      [
        updates.map((u) => u.id),
        column('email'),
        column('name'),
        column('phone'),
        column('shopifyCustomerId'),
        column('shop'),
        column('shopifyUpdatedAt'),
      ],
    );
  }

  /** Forgets a Shopify id: the customer (and tickets) stay, without the link. */
  async unlinkShopifyId(tx: EntityManager, shopifyCustomerId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await sql(
      tx,
      `UPDATE customers
          SET shopify_customer_id = NULL, shopify_shop = NULL, shopify_updated_at = NULL, updated_at = now()
        WHERE shopify_customer_id = $1 RETURNING id`,
      [shopifyCustomerId],
    );
    return rows.map((r) => r.id);
  }

  async shopifyIdOf(customerId: string): Promise<{ exists: boolean; shopifyCustomerId: string | null }> {
    const rows: Array<{ shopify_customer_id: string | null }> = await this.db.query(
      `SELECT shopify_customer_id FROM customers WHERE id = $1`,
      [customerId],
    );
    const row = rows[0];
    return { exists: row !== undefined, shopifyCustomerId: row?.shopify_customer_id ?? null };
  }

  // --- orders ---------------------------------------------------------------------------------

  async lockedOrder(tx: EntityManager, shop: string, shopifyOrderId: string): Promise<LockedOrder | null> {
    const held = await this.lockedOrders(tx, [{ shop, shopifyOrderId }]);
    return held.get(orderKey(shop, shopifyOrderId)) ?? null;
  }

  /** The orders we hold of these, locked in key order, keyed by `orderKey`. */
  async lockedOrders(
    tx: EntityManager,
    orders: ReadonlyArray<{ shop: string; shopifyOrderId: string }>,
  ): Promise<Map<string, LockedOrder>> {
    const rows: Array<LockedOrder & { shop: string; shopify_order_id: string }> = await tx.query(
      `SELECT o.shop, o.shopify_order_id, o.customer_id, o.shopify_updated_at
         FROM shopify_orders o
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS w(shop, shopify_order_id)
           USING (shop, shopify_order_id)
        ORDER BY o.shop, o.shopify_order_id
          FOR UPDATE OF o`,
      [orders.map((o) => o.shop), orders.map((o) => o.shopifyOrderId)],
    );
    return new Map(
      rows.map((r) => [
        orderKey(r.shop, r.shopify_order_id),
        { customer_id: r.customer_id, shopify_updated_at: r.shopify_updated_at },
      ]),
    );
  }

  /** Stores orders (each key at most once) in one statement. */
  async upsertOrders(tx: EntityManager, orders: readonly OrderRow[]): Promise<void> {
    if (orders.length === 0) return;
    const column = <K extends keyof OrderRow>(k: K) => orders.map((o) => o[k]);
    await tx.query(
      `INSERT INTO shopify_orders (shop, shopify_order_id, name, shopify_customer_id, customer_id, total_price,
         currency, financial_status, fulfillment_status, cancelled_at, order_created_at, shopify_updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::numeric[], $7::text[],
                            $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
       ON CONFLICT (shop, shopify_order_id) DO UPDATE SET
         name = EXCLUDED.name, shopify_customer_id = EXCLUDED.shopify_customer_id,
         customer_id = EXCLUDED.customer_id, total_price = EXCLUDED.total_price, currency = EXCLUDED.currency,
         financial_status = EXCLUDED.financial_status, fulfillment_status = EXCLUDED.fulfillment_status,
         cancelled_at = EXCLUDED.cancelled_at, order_created_at = EXCLUDED.order_created_at,
         shopify_updated_at = EXCLUDED.shopify_updated_at`,
      [
        column('shop'),
        column('shopifyOrderId'),
        column('name'),
        column('shopifyCustomerId'),
        column('customerId'),
        column('totalPrice'),
        column('currency'),
        column('financialStatus'),
        column('fulfillmentStatus'),
        column('cancelledAt'),
        column('createdAt'),
        column('updatedAt'),
      ],
    );
  }

  async deleteOrder(tx: EntityManager, shop: string, shopifyOrderId: string): Promise<string | null> {
    const rows: Array<{ customer_id: string | null }> = await sql(
      tx,
      `DELETE FROM shopify_orders WHERE shop = $1 AND shopify_order_id = $2 RETURNING customer_id`,
      [shop, shopifyOrderId],
    );
    return rows[0]?.customer_id ?? null;
  }

  /** The CRM customer linked to each of these Shopify ids, for those that have one. */
  async customerIdsForShopifyIds(
    tx: EntityManager,
    shopifyCustomerIds: readonly string[],
  ): Promise<Map<string, string>> {
    const rows: Array<{ id: string; shopify_customer_id: string }> = await tx.query(
      `SELECT id, shopify_customer_id FROM customers WHERE shopify_customer_id = ANY($1::text[])`,
      [shopifyCustomerIds],
    );
    return new Map(rows.map((r) => [r.shopify_customer_id, r.id]));
  }

  /** Orders that arrived before their customer: attach them now that the customer is known. */
  async attachOrphanOrders(
    tx: EntityManager,
    shop: string,
    shopifyCustomerId: string,
    customerId: string,
  ): Promise<number> {
    const rows: unknown[] = await sql(
      tx,
      `UPDATE shopify_orders SET customer_id = $3
        WHERE shop = $1 AND shopify_customer_id = $2 AND customer_id IS NULL RETURNING 1`,
      [shop, shopifyCustomerId, customerId],
    );
    return rows.length;
  }

  /**
   * Recomputes a customer's summary from the order rows: idempotent by construction, so a
   * replayed or reordered delivery can never double count. Cancelled orders do not count.
   */
  async recomputeSummary(tx: EntityManager, customerId: string): Promise<void> {
    await this.recomputeSummaries(tx, [customerId]);
  }

  /** `recomputeSummary` for many customers in one statement. */
  async recomputeSummaries(tx: EntityManager, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length === 0) return;
    await tx.query(recomputeSummariesSql, [customerIds]);
  }

  async summary(customerId: string): Promise<SummaryRow | null> {
    const rows: SummaryRow[] = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM customer_order_summaries WHERE customer_id = $1`,
      [customerId],
    );
    return rows[0] ?? null;
  }

  async recentOrders(customerId: string, limit: number): Promise<StoredOrderRow[]> {
    return this.db.query(
      `SELECT ${ORDER_COLUMNS} FROM shopify_orders
        WHERE customer_id = $1 ORDER BY order_created_at DESC LIMIT $2`,
      [customerId, limit],
    );
  }

  // --- sync runs ------------------------------------------------------------------------------

  /** Creates a run unless one is active for the shop; answers the active one either way. */
  async createOrJoinRun(run: {
    shop: string;
    kind: 'manual' | 'reconcile';
    requestedBy: string | null;
    includeOrders: boolean;
    updatedSince: Date | null;
  }): Promise<{ run: SyncRunRow; created: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows: SyncRunRow[] = await this.db.query(
        `INSERT INTO shopify_sync_runs (shop, kind, requested_by, include_orders, updated_since)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (shop) WHERE status IN ('queued','running') DO NOTHING
         RETURNING *`,
        [run.shop, run.kind, run.requestedBy, run.includeOrders, run.updatedSince],
      );
      if (rows[0]) return { run: rows[0], created: true };
      const active = await this.activeRun(run.shop);
      if (active) return { run: active, created: false };
    }
    throw new Error('could not create or find an active sync run');
  }

  async activeRun(shop: string): Promise<SyncRunRow | null> {
    const rows: SyncRunRow[] = await this.db.query(
      `SELECT * FROM shopify_sync_runs WHERE shop = $1 AND status IN ('queued','running')`,
      [shop],
    );
    return rows[0] ?? null;
  }

  async run(id: string): Promise<SyncRunRow | null> {
    const rows: SyncRunRow[] = await this.db.query(`SELECT * FROM shopify_sync_runs WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async lastCompletedRun(shop: string): Promise<SyncRunRow | null> {
    const rows: SyncRunRow[] = await this.db.query(
      `SELECT * FROM shopify_sync_runs WHERE shop = $1 AND status = 'completed'
        ORDER BY started_at DESC NULLS LAST LIMIT 1`,
      [shop],
    );
    return rows[0] ?? null;
  }

  async setRunJob(id: string, jobId: string): Promise<void> {
    await this.db.query(`UPDATE shopify_sync_runs SET job_id = $2 WHERE id = $1`, [id, jobId]);
  }

  async startRun(id: string, total: number | null): Promise<void> {
    await this.db.query(
      `UPDATE shopify_sync_runs
          SET status = 'running', started_at = COALESCE(started_at, now()), total = COALESCE(total, $2), error = NULL
        WHERE id = $1`,
      [id, total],
    );
  }

  /** Saves the position after a page: the next page's cursor (or the next phase) and counters. */
  async savePage(
    id: string,
    p: { phase: SyncPhase; cursor: PageParams | null; customers: number; orders: number },
  ): Promise<SyncRunRow> {
    const rows: SyncRunRow[] = await sql(
      this.db,
      `UPDATE shopify_sync_runs
          SET phase = $2, page_cursor = $3::jsonb, pages_done = pages_done + 1,
              customers_done = customers_done + $4, orders_done = orders_done + $5
        WHERE id = $1 RETURNING *`,
      [id, p.phase, p.cursor === null ? null : JSON.stringify(p.cursor), p.customers, p.orders],
    );
    const row = rows[0];
    if (!row) throw new Error(`sync run ${id} vanished`);
    return row;
  }

  async finishRun(id: string, status: 'completed' | 'failed', error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE shopify_sync_runs SET status = $2, error = $3, finished_at = now() WHERE id = $1`,
      [id, status, error],
    );
  }

  // --- compliance -----------------------------------------------------------------------------

  /** The customers a compliance request is about: by Shopify id, else by email. */
  async complianceTargets(
    tx: EntityManager,
    shopifyCustomerId: string | null,
    email: string | null,
  ): Promise<string[]> {
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT id FROM customers
        WHERE ($1::text IS NOT NULL AND shopify_customer_id = $1)
           OR ($2::text IS NOT NULL AND email = $2 AND (shopify_customer_id IS NULL OR $1::text IS NULL))
        ORDER BY created_at FOR UPDATE`,
      [shopifyCustomerId, email],
    );
    return rows.map((r) => r.id);
  }

  async customersOfShop(tx: EntityManager, shop: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT id FROM customers WHERE shopify_shop = $1 ORDER BY id FOR UPDATE`,
      [shop],
    );
    return rows.map((r) => r.id);
  }

  /** Everything we hold on a set of customers, for a data request. */
  async exportData(
    tx: EntityManager,
    customerIds: string[],
    shop: string,
    orderIds: string[],
  ): Promise<Record<string, unknown>> {
    const customers: unknown[] = await tx.query(
      `SELECT id, email, name, phone, shopify_customer_id AS "shopifyCustomerId", language, timezone,
              communication_channel AS "communicationChannel", tier, last_contact_at AS "lastContactAt",
              created_at AS "createdAt", updated_at AS "updatedAt"
         FROM customers WHERE id = ANY($1) ORDER BY created_at`,
      [customerIds],
    );
    const tickets: unknown[] = await tx.query(
      `SELECT id, number, subject, status, priority, channel, tags, category, metadata,
              created_at AS "createdAt", updated_at AS "updatedAt", resolved_at AS "resolvedAt",
              closed_at AS "closedAt", deleted_at AS "deletedAt"
         FROM tickets WHERE customer_id = ANY($1) ORDER BY created_at`,
      [customerIds],
    );
    const messages: unknown[] = await tx.query(
      `SELECT m.id, m.ticket_id AS "ticketId", m.author_type AS "authorType", m.internal, m.body,
              m.attachments, m.created_at AS "createdAt", m.deleted_at AS "deletedAt"
         FROM messages m JOIN tickets t ON t.id = m.ticket_id
        WHERE t.customer_id = ANY($1) ORDER BY m.created_at`,
      [customerIds],
    );
    const orders: unknown[] = await tx.query(
      `SELECT shopify_order_id AS "shopifyOrderId", name, total_price::text AS "totalPrice", currency,
              financial_status AS "financialStatus", fulfillment_status AS "fulfillmentStatus",
              order_created_at AS "createdAt"
         FROM shopify_orders
        WHERE customer_id = ANY($1) OR (shop = $2 AND shopify_order_id = ANY($3))
        ORDER BY order_created_at`,
      [customerIds, shop, orderIds],
    );
    const summaries: unknown[] = await tx.query(
      `SELECT customer_id AS "customerId", orders_count AS "orderCount", total_spent::text AS "totalSpent",
              currency, last_order_at AS "lastOrderAt"
         FROM customer_order_summaries WHERE customer_id = ANY($1)`,
      [customerIds],
    );
    return { customers, tickets, messages, orders, orderSummaries: summaries };
  }

  async insertExport(
    tx: EntityManager,
    e: {
      shop: string;
      dataRequestId: string;
      shopifyCustomerId: string | null;
      customerId: string | null;
      ordersRequested: string[];
      bundle: unknown;
    },
  ): Promise<string | null> {
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO shopify_data_exports (shop, data_request_id, shopify_customer_id, customer_id, orders_requested, bundle)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (shop, data_request_id) DO NOTHING RETURNING id`,
      [
        e.shop,
        e.dataRequestId,
        e.shopifyCustomerId,
        e.customerId,
        e.ordersRequested,
        JSON.stringify(e.bundle),
      ],
    );
    return rows[0]?.id ?? null;
  }

  async listExports(q: { limit: number; cursor?: string }): Promise<Page<ExportRow>> {
    const params: unknown[] = [q.limit + 1];
    let where = '';
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, 'shopify-exports', ['timestamp', 'uuid']);
      params.push(createdAt, id);
      where = `WHERE (created_at, id) < ($2::timestamptz, $3::uuid)`;
    }
    const rows: ExportRow[] = await this.db.query(
      `SELECT id, shop, data_request_id, shopify_customer_id, customer_id, orders_requested, created_at
         FROM shopify_data_exports ${where} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    return pageOf(rows, q.limit, 'shopify-exports', (r) => [r.created_at.toISOString(), r.id]);
  }

  async exportBundle(id: string): Promise<{ row: ExportRow; bundle: unknown } | null> {
    const rows: Array<ExportRow & { bundle: unknown }> = await this.db.query(
      `SELECT id, shop, data_request_id, shopify_customer_id, customer_id, orders_requested, created_at, bundle
         FROM shopify_data_exports WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row ? { row, bundle: row.bundle } : null;
  }

  /**
   * Erases a customer's personal data: name, email, phone and the Shopify link on the customer;
   * the bodies (and attachments) of the messages they wrote; exports about them. Tickets stay,
   * attached to the anonymous customer, so counts in reports do not change. Full-text search
   * forgets the bodies through the messages trigger.
   */
  async eraseCustomer(tx: EntityManager, customerId: string): Promise<{ messages: number; exports: number }> {
    await tx.query(
      `UPDATE customers
          SET email = NULL, name = NULL, phone = NULL, shopify_customer_id = NULL, shopify_shop = NULL,
              shopify_updated_at = NULL, updated_at = now()
        WHERE id = $1`,
      [customerId],
    );
    const messages: unknown[] = await sql(
      tx,
      `UPDATE messages m SET body = '[redacted]', body_html = NULL, attachments = '[]'::jsonb, updated_at = now()
         FROM tickets t
        WHERE m.ticket_id = t.id AND m.author_type = 'customer'
          AND (m.customer_id = $1 OR t.customer_id = $1)
          AND m.body <> '[redacted]'
        RETURNING 1`,
      [customerId],
    );
    const exports: unknown[] = await sql(
      tx,
      `DELETE FROM shopify_data_exports WHERE customer_id = $1 RETURNING 1`,
      [customerId],
    );
    return { messages: messages.length, exports: exports.length };
  }

  async deleteExportsOfShop(tx: EntityManager, shop: string): Promise<number> {
    const rows: unknown[] = await sql(tx, `DELETE FROM shopify_data_exports WHERE shop = $1 RETURNING 1`, [
      shop,
    ]);
    return rows.length;
  }

  async ticketCount(tx: EntityManager, customerIds: string[]): Promise<number> {
    const rows: Array<{ n: number }> = await tx.query(
      `SELECT count(*)::int AS n FROM tickets WHERE customer_id = ANY($1)`,
      [customerIds],
    );
    return rows[0]?.n ?? 0;
  }

  async audit(
    tx: EntityManager,
    a: {
      topic: string;
      shop: string;
      webhookId: string | null;
      shopifyCustomerId: string | null;
      customerIds: string[];
      details: Record<string, unknown>;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO shopify_compliance_audit (topic, shop, webhook_id, shopify_customer_id, customer_ids, details)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (webhook_id) WHERE webhook_id IS NOT NULL DO NOTHING`,
      [a.topic, a.shop, a.webhookId, a.shopifyCustomerId, a.customerIds, JSON.stringify(a.details)],
    );
  }

  async listAudit(q: { limit: number; cursor?: string }): Promise<Page<AuditRow>> {
    const params: unknown[] = [q.limit + 1];
    let where = '';
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, 'shopify-audit', ['timestamp', 'int']);
      params.push(createdAt, id);
      where = `WHERE (created_at, id) < ($2::timestamptz, $3::bigint)`;
    }
    const rows: AuditRow[] = await this.db.query(
      `SELECT id::text AS id, topic, shop, webhook_id, shopify_customer_id, customer_ids, details, created_at
         FROM shopify_compliance_audit ${where} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    return pageOf(rows, q.limit, 'shopify-audit', (r) => [r.created_at.toISOString(), Number(r.id)]);
  }
}
