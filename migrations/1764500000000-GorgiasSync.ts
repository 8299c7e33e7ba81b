import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-way Gorgias sync. `external_links` maps our tickets, messages and customers to their ids in
 * an outside system (one row per pair, unique both ways) instead of adding columns to core tables;
 * `origin` says which side the object was born on, so pushes skip what came from the provider.
 * Import runs persist their cursor so an interrupted import resumes; webhook deliveries are
 * recorded so a repeated one is ignored.
 */
export class GorgiasSync1764500000000 implements MigrationInterface {
  name = 'GorgiasSync1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE external_links (
        provider text NOT NULL,
        entity_type text NOT NULL CHECK (entity_type IN ('ticket','message','customer')),
        entity_id uuid NOT NULL,
        external_id text NOT NULL,
        origin text NOT NULL CHECK (origin IN ('provider','crm')),
        external_status text,
        external_updated_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT external_links_pkey PRIMARY KEY (provider, entity_type, entity_id),
        CONSTRAINT external_links_external_key UNIQUE (provider, entity_type, external_id)
      )`);

    await q.query(`
      CREATE TABLE gorgias_import_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running','completed','failed')),
        cursor text,
        done integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        messages integer NOT NULL DEFAULT 0,
        job_id text,
        requester_id uuid REFERENCES agents(id),
        error text,
        started_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz(3)
      )`);
    // At most one import runs at a time; a second request joins it.
    await q.query(
      `CREATE UNIQUE INDEX gorgias_import_runs_one_running ON gorgias_import_runs ((true)) WHERE status = 'running'`,
    );
    await q.query(`CREATE INDEX gorgias_import_runs_started_idx ON gorgias_import_runs (started_at DESC)`);

    await q.query(`
      CREATE TABLE gorgias_webhook_deliveries (
        delivery_key text PRIMARY KEY,
        topic text NOT NULL,
        received_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX gorgias_webhook_deliveries_received_idx ON gorgias_webhook_deliveries (received_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS gorgias_webhook_deliveries, gorgias_import_runs, external_links`);
  }
}
