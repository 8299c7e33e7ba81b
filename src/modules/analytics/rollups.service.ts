import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { sql } from '../../platform/db/sql';
import { ValidationError } from '../../platform/errors/app-error';
import type { Logger } from '../../platform/logging/logger';
import type { TimeSource } from '../sla/sla.service';
import { addDays, dayBounds, isCalendarDay, localDay } from './days';
import type { RollupsRepository } from './rollups.repository';
import { buildFacts, daysOf, RollupDeltas, type TicketFacts } from './ticket-facts';

/**
 * Advisory lock key ("ANA") held by whatever writes rollups (refresh, nightly recompute,
 * rebuild): folds never interleave, across every worker, so a ticket is never folded twice at
 * once and deltas are never applied twice.
 */
export const ROLLUP_LOCK = 0x414e41;
/** Online time is recomputed for intervals changed since the last refresh, with this overlap. */
const ONLINE_OVERLAP_MS = 5 * 60_000;

export interface RollupSettings {
  timezone: string;
  batchSize: number;
  maxBatches: number;
}

export interface FoldResult {
  /** Tickets read (the changed ones and their repeat neighbours). */
  tickets: number;
  /** Tickets whose facts changed. */
  changed: number;
  /** Rollup rows written. */
  rows: number;
}

export interface RefreshResult extends FoldResult {
  skipped: boolean;
  batches: number;
  /** Change rows still waiting (a backlog larger than one run's batches). */
  pending: number;
  onlineRows: number;
  ms: number;
}

export interface RecomputeResult {
  day: string;
  tickets: number;
  rows: number;
  ms: number;
}

const sameFacts = (a: TicketFacts | null, b: TicketFacts | null): boolean => {
  if (a === null || b === null) return a === b;
  return (
    a.seg.assignee === b.seg.assignee &&
    a.seg.channel === b.seg.channel &&
    a.seg.category === b.seg.category &&
    a.seg.priority === b.seg.priority &&
    a.seg.tier === b.seg.tier &&
    JSON.stringify(a.ev) === JSON.stringify(b.ev) &&
    JSON.stringify(a.ag) === JSON.stringify(b.ag)
  );
};

/**
 * Keeps the daily rollups current.
 *
 * - `refresh` (every ANALYTICS_REFRESH_SECONDS): takes the tickets named in the change log
 *   (written by triggers), refolds them, and recomputes online time of agents whose status
 *   intervals changed or are open. Its cost follows what changed, not the history.
 * - `recomputeDay` (nightly, for yesterday): refolds every ticket that touched the day and then
 *   rewrites the day's rows from those tickets' facts, in one transaction: the day's figures
 *   come straight from raw rows, whatever the refresh did before.
 * - `rebuildAll` (CLI, benchmarks): refolds every ticket from scratch.
 */
export class AnalyticsRollups {
  constructor(
    private readonly db: DataSource,
    private readonly repo: RollupsRepository,
    private readonly settings: RollupSettings,
    readonly time: TimeSource,
    private readonly logger: Logger,
  ) {}

  get timezone(): string {
    return this.settings.timezone;
  }

  today(): string {
    return localDay(this.time.now(), this.settings.timezone);
  }

  /**
   * Refolds the given tickets (and the tickets whose "repeat" standing they decide) inside the
   * caller's transaction: subtracts what each contributed last time, adds what it contributes
   * now, and stores its new facts. Returns every refolded ticket's facts.
   */
  async fold(
    tx: EntityManager,
    ids: string[],
    opts: { neighbours?: boolean } = {},
  ): Promise<FoldResult & { facts: Map<string, TicketFacts | null> }> {
    const neighbours = opts.neighbours === false ? [] : await this.repo.repeatNeighbours(tx, ids);
    const all = [...new Set([...ids, ...neighbours])];
    const raw = await this.repo.loadRaw(tx, all, this.settings.timezone);
    const stored = await this.repo.loadLedger(tx, all);
    const deltas = new RollupDeltas();
    const facts = new Map<string, TicketFacts | null>();
    const entries = [];
    for (const id of all) {
      const rows = raw.get(id);
      const next = rows ? buildFacts(rows) : null;
      const previous = stored.get(id) ?? null;
      facts.set(id, next);
      if (sameFacts(previous, next)) continue;
      deltas.add(previous, -1).add(next, 1);
      entries.push({ ticketId: id, facts: next, ticket: rows?.ticket ?? null, days: daysOf(next) });
    }
    const changed = deltas.changed();
    await this.repo.applyDeltas(tx, changed);
    await this.repo.saveLedger(tx, entries);
    return { tickets: all.length, changed: entries.length, rows: changed.length, facts };
  }

  /** Folds in what changed since the last run; skipped while another writer holds the lock. */
  async refresh(): Promise<RefreshResult> {
    const started = Date.now();
    const result: RefreshResult = {
      skipped: false,
      batches: 0,
      tickets: 0,
      changed: 0,
      rows: 0,
      pending: 0,
      onlineRows: 0,
      ms: 0,
    };
    await this.withSessionLock(
      async (runner) => {
        for (const agentId of await this.repo.agentsOutOfStep()) {
          await this.repo.syncStatusInterval(agentId, this.time.now());
        }
        while (result.batches < this.settings.maxBatches) {
          const batch = await inTransaction(runner, async (tx) => {
            const ids = await this.repo.takeChanges(tx, this.settings.batchSize);
            return ids.length > 0 ? this.fold(tx, ids) : null;
          });
          if (!batch) break;
          result.batches += 1;
          result.tickets += batch.tickets;
          result.changed += batch.changed;
          result.rows += batch.rows;
        }
        result.onlineRows = await inTransaction(runner, async (tx) => {
          const last = await this.repo.getState('online', tx);
          await this.repo.setState(tx, 'online', 'now');
          const since = last ? new Date(last.getTime() - ONLINE_OVERLAP_MS) : null;
          return this.repo.recomputeOnline(tx, this.settings.timezone, this.time.now(), since);
        });
        await this.repo.setState(runner.manager, 'refresh', 'now');
        result.pending = await this.repo.pendingChanges(runner.manager);
      },
      () => {
        result.skipped = true;
      },
    );
    result.ms = Date.now() - started;
    if (result.changed > 0 || result.pending > 0)
      this.logger.debug(result, 'analytics refresh folded changes');
    return result;
  }

  /** The day before today in APP_TIMEZONE. */
  yesterday(): string {
    return addDays(this.today(), -1);
  }

  /**
   * Recomputes one day from raw rows in one transaction (waiting for any running refresh):
   * every ticket that touched the day is refolded, then the day's rows are replaced by the sum of
   * those tickets' facts, and online time is recomputed from the status intervals. Idempotent.
   */
  async recomputeDay(dayText: string = this.yesterday()): Promise<RecomputeResult> {
    if (!isCalendarDay(dayText))
      throw new ValidationError('Not a calendar day', [{ field: 'day', message: 'must be YYYY-MM-DD' }]);
    const started = Date.now();
    const { start, end } = dayBounds(dayText, this.settings.timezone);
    const outcome = await this.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL statement_timeout = '600s'`);
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [ROLLUP_LOCK]);
      const ids = await this.repo.ticketsTouching(tx, start, end, dayText);
      const folded = await this.fold(tx, ids);
      const totals = new RollupDeltas();
      for (const facts of folded.facts.values()) totals.add(facts, 1);
      const rows = totals.changed().filter((r) => r.day === dayText);
      await this.repo.replaceDay(tx, dayText, rows);
      await this.repo.recomputeOnlineDay(tx, this.settings.timezone, this.time.now(), dayText, start, end);
      await this.repo.setState(tx, 'nightly', 'now');
      return { tickets: folded.tickets, rows: rows.length };
    });
    const result = { day: dayText, ...outcome, ms: Date.now() - started };
    this.logger.info(result, 'analytics day recomputed');
    return result;
  }

  /**
   * Rebuilds every rollup from raw rows (waits for the lock, then holds it throughout). Reports
   * read partial figures while it runs; changes made meanwhile are folded in by the next refresh.
   */
  async rebuildAll(
    onProgress: (done: number) => void = () => undefined,
  ): Promise<{ tickets: number; ms: number }> {
    const started = Date.now();
    let done = 0;
    await this.withSessionLock(
      async (runner) => {
        await inTransaction(runner, async (tx) => {
          const maxId = await this.repo.lastChangeId(tx);
          await this.repo.clearAll(tx);
          await this.repo.dropChangesUpTo(tx, maxId);
        });
        let after: { createdAt: Date; id: string } | null = null;
        for (;;) {
          const page = await this.repo.ticketsAfter(after, this.settings.batchSize);
          if (page.length === 0) break;
          const ids = page.map((t) => t.id);
          await inTransaction(runner, (tx) => this.fold(tx, ids, { neighbours: false }));
          done += ids.length;
          after = page[page.length - 1] ?? null;
          onProgress(done);
        }
        await inTransaction(runner, async (tx) => {
          await this.repo.setState(tx, 'online', 'now');
          await this.repo.recomputeAllOnline(tx, this.settings.timezone, this.time.now());
          await this.repo.compact(tx);
        });
      },
      () => undefined,
      true,
    );
    return { tickets: done, ms: Date.now() - started };
  }

  /** Brings the agent's status interval in line with their status (the status-change listener). */
  async recordStatus(agentId: string, at: Date): Promise<void> {
    await this.repo.syncStatusInterval(agentId, at);
  }

  private async withSessionLock(
    work: (runner: QueryRunner) => Promise<void>,
    busy: () => void,
    wait = false,
  ): Promise<void> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      if (wait) {
        await runner.query(`SET statement_timeout = 0`);
        await runner.query(`SELECT pg_advisory_lock($1)`, [ROLLUP_LOCK]);
      } else {
        const [lock] = await sql<{ locked: boolean }>(
          runner.manager,
          `SELECT pg_try_advisory_lock($1) AS locked`,
          [ROLLUP_LOCK],
        );
        if (!lock?.locked) {
          busy();
          return;
        }
      }
      try {
        await work(runner);
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [ROLLUP_LOCK]);
        if (wait) await runner.query(`RESET statement_timeout`);
      }
    } finally {
      await runner.release();
    }
  }
}

async function inTransaction<T>(runner: QueryRunner, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  await runner.startTransaction();
  try {
    const result = await fn(runner.manager);
    await runner.commitTransaction();
    return result;
  } catch (err) {
    await runner.rollbackTransaction();
    throw err;
  }
}
