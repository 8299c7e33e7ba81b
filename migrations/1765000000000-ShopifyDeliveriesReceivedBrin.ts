import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every acknowledged Shopify delivery is a row, written while Shopify waits for the 200. Its
 * `received_at` only serves the daily prune (`received_at < now() - N days`) and grows with the
 * insertion order, which is what a BRIN index is for: a few pages for the whole table and next
 * to nothing to maintain per row, where the B-tree cost ~4 µs of Postgres CPU per recorded
 * delivery (about 15 % of the batch insert; BENCHMARKS.md). The partial index of pending
 * deliveries stays a B-tree: the sweep reads it every 5 minutes.
 */
export class ShopifyDeliveriesReceivedBrin1765000000000 implements MigrationInterface {
  name = 'ShopifyDeliveriesReceivedBrin1765000000000';
  // Built and dropped concurrently: acknowledgements keep being written meanwhile.
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS shopify_webhook_deliveries_received_brin
         ON shopify_webhook_deliveries USING brin (received_at)`,
    );
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS shopify_webhook_deliveries_received_idx`);
  }

  // typeorm reverts inside a transaction whatever `transaction` says, so no CONCURRENTLY here.
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS shopify_webhook_deliveries_received_idx ON shopify_webhook_deliveries (received_at)`,
    );
    await q.query(`DROP INDEX IF EXISTS shopify_webhook_deliveries_received_brin`);
  }
}
