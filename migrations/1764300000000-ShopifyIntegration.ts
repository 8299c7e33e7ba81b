import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shopify: webhook deliveries (the idempotency record), the link state of Shopify customers
 * (last `updated_at` applied, tombstones for deleted/redacted ids), a small per-order table and
 * the per-customer order summary computed from it, resumable sync runs, compliance exports and
 * the compliance audit trail.
 */
export class ShopifyIntegration1764300000000 implements MigrationInterface {
  name = 'ShopifyIntegration1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // Which shop a linked customer came from, and the Shopify `updated_at` last applied to it,
    // so an older delivery never overwrites newer data.
    await q.query(
      `ALTER TABLE customers ADD COLUMN shopify_shop text, ADD COLUMN shopify_updated_at timestamptz(3)`,
    );
    await q.query(
      `CREATE INDEX customers_shopify_shop_idx ON customers (shopify_shop) WHERE shopify_shop IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE shopify_webhook_deliveries (
        webhook_id text PRIMARY KEY,
        topic text NOT NULL,
        shop_domain text NOT NULL,
        event_id text,
        api_version text,
        triggered_at timestamptz(3),
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'received' CHECK (status IN ('received','processed','ignored','failed')),
        outcome text,
        payload jsonb,
        processed_at timestamptz(3)
      )`);
    await q.query(
      `CREATE INDEX shopify_webhook_deliveries_pending_idx ON shopify_webhook_deliveries (received_at) WHERE status = 'received'`,
    );
    await q.query(
      `CREATE INDEX shopify_webhook_deliveries_received_idx ON shopify_webhook_deliveries (received_at)`,
    );

    await q.query(`
      CREATE TABLE shopify_customer_tombstones (
        shop text NOT NULL,
        shopify_customer_id text NOT NULL,
        reason text NOT NULL CHECK (reason IN ('deleted','redacted')),
        at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (shop, shopify_customer_id)
      )`);

    await q.query(`
      CREATE TABLE shopify_orders (
        shop text NOT NULL,
        shopify_order_id text NOT NULL,
        name text,
        shopify_customer_id text,
        customer_id uuid REFERENCES customers(id) ON DELETE SET NULL,
        total_price numeric(14,2) NOT NULL DEFAULT 0,
        currency text,
        financial_status text,
        fulfillment_status text,
        cancelled_at timestamptz(3),
        order_created_at timestamptz(3) NOT NULL,
        shopify_updated_at timestamptz(3) NOT NULL,
        PRIMARY KEY (shop, shopify_order_id)
      )`);
    await q.query(
      `CREATE INDEX shopify_orders_customer_idx ON shopify_orders (customer_id, order_created_at DESC) WHERE customer_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX shopify_orders_orphan_idx ON shopify_orders (shop, shopify_customer_id) WHERE customer_id IS NULL`,
    );

    await q.query(`
      CREATE TABLE customer_order_summaries (
        customer_id uuid PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        orders_count int NOT NULL DEFAULT 0,
        total_spent numeric(14,2) NOT NULL DEFAULT 0,
        currency text,
        first_order_at timestamptz(3),
        last_order_at timestamptz(3),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE shopify_sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('manual','reconcile')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','completed','failed')),
        requested_by uuid REFERENCES agents(id) ON DELETE SET NULL,
        job_id text,
        include_orders boolean NOT NULL DEFAULT true,
        updated_since timestamptz(3),
        phase text NOT NULL DEFAULT 'customers' CHECK (phase IN ('customers','orders','done')),
        page_cursor jsonb,
        pages_done int NOT NULL DEFAULT 0,
        customers_done int NOT NULL DEFAULT 0,
        orders_done int NOT NULL DEFAULT 0,
        total int,
        error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3)
      )`);
    // At most one run per shop at a time: a second request joins the running one.
    await q.query(
      `CREATE UNIQUE INDEX shopify_sync_runs_active_idx ON shopify_sync_runs (shop) WHERE status IN ('queued','running')`,
    );
    await q.query(`CREATE INDEX shopify_sync_runs_shop_idx ON shopify_sync_runs (shop, created_at DESC)`);

    await q.query(`
      CREATE TABLE shopify_data_exports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop text NOT NULL,
        data_request_id text NOT NULL,
        shopify_customer_id text,
        customer_id uuid REFERENCES customers(id) ON DELETE SET NULL,
        orders_requested text[] NOT NULL DEFAULT '{}',
        bundle jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT shopify_data_exports_request_key UNIQUE (shop, data_request_id)
      )`);
    await q.query(
      `CREATE INDEX shopify_data_exports_created_idx ON shopify_data_exports (created_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE shopify_compliance_audit (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        shop text NOT NULL,
        webhook_id text,
        shopify_customer_id text,
        customer_ids uuid[] NOT NULL DEFAULT '{}',
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // One entry per delivery, however many times a delivery is processed.
    await q.query(
      `CREATE UNIQUE INDEX shopify_compliance_audit_webhook_idx ON shopify_compliance_audit (webhook_id) WHERE webhook_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX shopify_compliance_audit_created_idx ON shopify_compliance_audit (created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE IF EXISTS shopify_compliance_audit, shopify_data_exports, shopify_sync_runs,
         customer_order_summaries, shopify_orders, shopify_customer_tombstones, shopify_webhook_deliveries`,
    );
    await q.query(`DROP INDEX IF EXISTS customers_shopify_shop_idx`);
    await q.query(
      `ALTER TABLE customers DROP COLUMN IF EXISTS shopify_shop, DROP COLUMN IF EXISTS shopify_updated_at`,
    );
  }
}
