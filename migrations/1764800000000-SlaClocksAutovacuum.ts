import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SLA monitor reads due clocks from the front of `sla_clocks_check_idx` and rewrites each
 * one it checks, so dead index entries pile up exactly where the next tick starts reading. At
 * the default threshold (20 % of the table) autovacuum waits for ~400k dead rows on a 2M-clock
 * table; meanwhile the lock query went from ~3 ms to 50–100 ms (BENCHMARKS.md, SLA tick).
 * Vacuuming this table after 1 % (plus 1,000 rows) keeps that front clean.
 */
export class SlaClocksAutovacuum1764800000000 implements MigrationInterface {
  name = 'SlaClocksAutovacuum1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE sla_clocks SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
         autovacuum_analyze_scale_factor = 0.02)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE sla_clocks RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
         autovacuum_analyze_scale_factor)`,
    );
  }
}
