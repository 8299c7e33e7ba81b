import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intelligence: the suggested category on tickets (and whether the category was set by the
 * categoriser, so retraining learns only from people), the denormalised customer value used by
 * the smart ordering, the last known churn/value per customer, and the trained categoriser.
 * Adding columns with constant defaults is a catalogue-only change: no table rewrite.
 */
export class Intelligence1764100000000 implements MigrationInterface {
  name = 'Intelligence1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tickets
        ADD COLUMN suggested_category text,
        ADD COLUMN suggested_category_confidence real,
        ADD COLUMN category_auto boolean NOT NULL DEFAULT false,
        ADD COLUMN customer_value double precision NOT NULL DEFAULT 0`);

    await q.query(`
      CREATE TABLE customer_insights (
        customer_id uuid PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        churn_probability real NOT NULL CHECK (churn_probability BETWEEN 0 AND 1),
        churn_risk_level text NOT NULL CHECK (churn_risk_level IN ('low','medium','high')),
        lifetime_value double precision NOT NULL DEFAULT 0,
        currency text NOT NULL DEFAULT 'USD',
        archetype text,
        customer_value double precision NOT NULL DEFAULT 0,
        source text NOT NULL CHECK (source IN ('intelligence','fallback')),
        computed_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX customer_insights_risk_idx ON customer_insights (churn_risk_level, churn_probability DESC)`,
    );

    await q.query(`
      CREATE TABLE intelligence_models (
        name text PRIMARY KEY,
        version integer NOT NULL,
        example_count integer NOT NULL,
        labels text[] NOT NULL,
        model jsonb NOT NULL,
        trained_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS intelligence_models, customer_insights`);
    await q.query(`
      ALTER TABLE tickets
        DROP COLUMN IF EXISTS suggested_category,
        DROP COLUMN IF EXISTS suggested_category_confidence,
        DROP COLUMN IF EXISTS category_auto,
        DROP COLUMN IF EXISTS customer_value`);
  }
}
