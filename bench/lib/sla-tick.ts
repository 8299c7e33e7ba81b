import type { Pool } from 'pg';
import type { CustomContext, CustomResult } from './scenarios';

/** How many clocks each timed tick finds due (the brief: ~1,000 of the open tickets). */
export const DUE_PER_TICK = 1_000;
const TICKS = 5;

interface Monitor {
  tick(): Promise<{ checked: number; warnings: number; breaches: number }>;
}

/**
 * Makes `count` running clocks of live tickets due now and saves what the tick will change, so
 * `restore` puts the data set back: half are past their due time (breaches), half inside the
 * warning window (warnings). Clocks already warned or breached are never picked.
 */
async function makeDue(db: Pool, count: number, warningMinutes: number): Promise<number> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench.sla_tick_saved (
      clock_id uuid PRIMARY KEY, ticket_id uuid NOT NULL, due_at timestamptz(3), check_at timestamptz(3),
      updated_at timestamptz(3), fr_breached boolean, fr_decided_at timestamptz(3),
      res_breached boolean, res_decided_at timestamptz(3), sla_updated_at timestamptz(3))`);
  const { rowCount } = await db.query(
    `WITH picked AS (
       SELECT c.id, c.ticket_id, c.due_at, c.check_at, c.updated_at
         FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id
        WHERE c.state = 'running' AND c.current AND c.warned_at IS NULL AND c.breached_at IS NULL
          AND t.deleted_at IS NULL AND c.due_at > now() + interval '1 hour'
        ORDER BY random() LIMIT $1)
     INSERT INTO bench.sla_tick_saved
     SELECT p.id, p.ticket_id, p.due_at, p.check_at, p.updated_at, s.first_response_breached,
            s.first_response_decided_at, s.resolution_breached, s.resolution_decided_at, s.updated_at
       FROM picked p JOIN ticket_slas s ON s.ticket_id = p.ticket_id`,
    [count],
  );
  await db.query(
    `UPDATE sla_clocks c
        SET check_at = now() - interval '1 second',
            due_at = CASE WHEN random() < 0.5 THEN now() - random() * interval '10 minutes'
                          ELSE now() + random() * $1 * interval '1 minute' END
       FROM bench.sla_tick_saved s WHERE c.id = s.clock_id`,
    [warningMinutes],
  );
  return rowCount ?? 0;
}

/** Puts back what `makeDue` changed and the monitor recorded for those clocks. */
export async function restoreDue(db: Pool): Promise<void> {
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT to_regclass('bench.sla_tick_saved') IS NOT NULL AS present`,
  );
  if (!rows[0]?.present) return;
  await db.query(`DELETE FROM sla_alerts a USING bench.sla_tick_saved s WHERE a.clock_id = s.clock_id`);
  await db.query(
    `UPDATE sla_clocks c SET due_at = s.due_at, check_at = s.check_at, warned_at = NULL, breached_at = NULL,
            updated_at = s.updated_at
       FROM bench.sla_tick_saved s WHERE c.id = s.clock_id`,
  );
  await db.query(
    `UPDATE ticket_slas t SET first_response_breached = s.fr_breached, first_response_decided_at = s.fr_decided_at,
            resolution_breached = s.res_breached, resolution_decided_at = s.res_decided_at, updated_at = s.sla_updated_at
       FROM bench.sla_tick_saved s WHERE t.ticket_id = s.ticket_id`,
  );
  await db.query(`TRUNCATE bench.sla_tick_saved`);
}

/**
 * Scenario 7: times the SLA monitor's tick in this process against the bench database. First
 * untimed ticks catch up on whatever came due since seeding (as a worker does after a pause);
 * then each timed tick finds `DUE_PER_TICK` clocks due among all running ones, records their
 * warnings and breaches, and the runner puts those clocks back before the next.
 */
export async function slaTick(ctx: CustomContext): Promise<CustomResult | { skipped: string }> {
  if (!ctx.apiEnv) return { skipped: 'needs the runner to start the API (its environment)' };
  // Loaded lazily: building a container connects to Postgres and Redis.
  const { createContainer } = await import('../../src/container');
  const { loadConfig } = await import('../../src/config/config');
  const config = loadConfig(ctx.apiEnv);
  const container = await createContainer(config, { processName: 'cli' });
  try {
    const monitor: Monitor = container.services.slaMonitor;
    const { rows: running } = await ctx.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM sla_clocks WHERE state = 'running'`,
    );
    await restoreDue(ctx.db);
    let caughtUp = 0;
    for (let r = await monitor.tick(); r.checked > 0; r = await monitor.tick()) caughtUp += r.checked;
    // Earlier runs' makeDue/restore cycles leave dead rows at the front of the check_at index,
    // which autovacuum clears in production (1 % threshold on sla_clocks) but not on a host
    // where it is off: start from a vacuumed table either way.
    await ctx.db.query(`VACUUM (ANALYZE) sla_clocks, ticket_slas, sla_alerts`);
    const times: number[] = [];
    let alerts = 0;
    let checked = 0;
    for (let i = 0; i < TICKS; i++) {
      await makeDue(ctx.db, DUE_PER_TICK, config.sla.warningMinutes);
      const started = process.hrtime.bigint();
      const r = await monitor.tick();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      alerts += r.warnings + r.breaches;
      checked += r.checked;
      await restoreDue(ctx.db);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const at = (i: number) => sorted[i] ?? NaN;
    return {
      summary:
        `${TICKS} ticks over ${Number(running[0]?.n).toLocaleString('en')} running clocks, ` +
        `${checked / TICKS} due each (${alerts} alerts in all; ${caughtUp} clocks caught up first): ` +
        `min ${at(0).toFixed(1)} ms, median ${at(2).toFixed(1)} ms, max ${at(TICKS - 1).toFixed(1)} ms`,
      values: { minMs: at(0), medianMs: at(2), maxMs: at(TICKS - 1), duePerTick: checked / TICKS },
    };
  } finally {
    await container.close();
  }
}
