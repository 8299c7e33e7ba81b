import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { sql } from '../../platform/db/sql';
import type { EventBus } from '../../platform/events/event-bus';
import type { Logger } from '../../platform/logging/logger';
import { alertsOwed, nextCheckAt } from './sla-tracker';
import type { SlaRepository } from './sla.repository';
import type { TimeSource } from './sla.service';
import type { BreachOutcome, ClockMarks, NewAlert, RecordedAlert } from './sla.types';

/** Advisory lock key of the monitor ("SLA"): one tick at a time across every worker. */
const MONITOR_LOCK = 0x534c41;
/** A tick stops after this many batches; the next tick carries on. */
const MAX_BATCHES = 200;

export interface TickResult {
  skipped: boolean;
  checked: number;
  warnings: number;
  breaches: number;
}

/**
 * Records SLA warnings and breaches, exactly once per clock, and publishes them.
 *
 * - It reads only clocks whose `check_at` has come (an indexed column kept by the tracker), so a
 *   tick costs what is due, not what is open; clocks the worker missed while it was down simply
 *   have older `check_at` values and are caught up by the next tick.
 * - A session advisory lock keeps ticks from overlapping, across processes; rows are locked with
 *   SKIP LOCKED; and the alert's unique key (clock, kind) with ON CONFLICT DO NOTHING RETURNING
 *   makes a second recording a no-op even if two ticks did meet the same clock.
 * - Events are published after each batch commits, only for alerts this tick inserted.
 */
export class SlaMonitor {
  constructor(
    private readonly db: DataSource,
    private readonly repo: SlaRepository,
    private readonly events: EventBus,
    private readonly settings: { warningMinutes: number; monitorBatchSize: number },
    private readonly time: TimeSource,
    private readonly logger: Logger,
  ) {}

  async tick(): Promise<TickResult> {
    const result: TickResult = { skipped: false, checked: 0, warnings: 0, breaches: 0 };
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [lock] = await sql<{ locked: boolean }>(
        runner.manager,
        `SELECT pg_try_advisory_lock($1) AS locked`,
        [MONITOR_LOCK],
      );
      if (!lock?.locked) return { ...result, skipped: true };
      try {
        await this.run(runner, result);
      } finally {
        // Session locks end with the session: if this fails the connection is gone anyway.
        await runner.query(`SELECT pg_advisory_unlock($1)`, [MONITOR_LOCK]);
      }
    } finally {
      await runner.release();
    }
    if (result.warnings + result.breaches > 0) this.logger.info(result, 'SLA alerts recorded');
    return result;
  }

  private async run(runner: QueryRunner, result: TickResult): Promise<void> {
    const now = this.time.now();
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      await runner.startTransaction();
      let outcome: { checked: number; alerts: RecordedAlert[] };
      try {
        outcome = await this.batch(runner.manager, now);
        await runner.commitTransaction();
      } catch (err) {
        await runner.rollbackTransaction();
        throw err;
      }
      result.checked += outcome.checked;
      for (const alert of outcome.alerts) this.publish(alert);
      result.warnings += outcome.alerts.filter((a) => a.kind === 'warning').length;
      result.breaches += outcome.alerts.filter((a) => a.kind === 'breach').length;
      if (outcome.checked < this.settings.monitorBatchSize) return;
    }
  }

  /**
   * One batch in a fixed number of statements, whatever its size: lock the due clocks (and read
   * their trackers), then one insert for every alert, one update for the tickets' breach
   * outcomes and one for the clocks' marks. What each clock owes is decided here, in memory.
   */
  private async batch(tx: EntityManager, now: Date): Promise<{ checked: number; alerts: RecordedAlert[] }> {
    const warningMs = this.settings.warningMinutes * 60_000;
    const rows = await this.repo.lockDueClocks(tx, now, this.settings.monitorBatchSize);
    const owed: Array<NewAlert & { assigneeId: string | null }> = [];
    const breaches: BreachOutcome[] = [];
    const marks: ClockMarks[] = [];
    for (const row of rows) {
      const c = row.clock;
      if (row.ticketDeleted) {
        marks.push({ id: c.id, warnedAt: c.warnedAt, breachedAt: c.breachedAt, checkAt: null });
        continue;
      }
      const due = alertsOwed(row, c, now, warningMs);
      const marked = { ...c };
      const base = { clockId: c.id, ticketId: row.ticketId, target: c.target, dueAt: c.dueAt };
      if (due.warning) {
        marked.warnedAt = now;
        owed.push({ ...base, kind: 'warning', occurredAt: now, assigneeId: row.assigneeId });
      }
      if (due.breach) {
        marked.breachedAt = now;
        // The outcome is recorded even when the alert was already there (a lost mark): it is
        // idempotent, and the tracker must say breached either way.
        breaches.push({ ticketId: row.ticketId, target: c.target, dueAt: c.dueAt });
        owed.push({ ...base, kind: 'breach', occurredAt: c.dueAt, assigneeId: row.assigneeId });
      }
      marks.push({
        id: c.id,
        warnedAt: marked.warnedAt,
        breachedAt: marked.breachedAt,
        checkAt: nextCheckAt(row, marked, warningMs),
      });
    }
    // Only what this transaction inserted is published: exactly once, even if ticks met.
    const inserted = await this.repo.insertAlerts(tx, owed);
    await this.repo.recordBreachOutcomes(tx, breaches);
    await this.repo.markClocks(tx, marks);
    const alerts = inserted.map(({ kind, ticketId, target, dueAt, assigneeId }) => ({
      kind,
      ticketId,
      target,
      dueAt,
      assigneeId,
    }));
    return { checked: rows.length, alerts };
  }

  private publish(alert: RecordedAlert): void {
    const payload = {
      ticketId: alert.ticketId,
      target: alert.target,
      dueAt: alert.dueAt.toISOString(),
      assigneeId: alert.assigneeId,
    };
    if (alert.kind === 'warning') this.events.publish('sla.warning', payload);
    else this.events.publish('sla.breach', { ...payload, breachedAt: alert.dueAt.toISOString() });
  }
}
