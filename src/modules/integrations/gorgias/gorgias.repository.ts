import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../../../platform/db/sql';
import type { GorgiasImportRunEntity, ImportRunStatus } from './gorgias-sync.entity';

export interface RunCounters {
  done: number;
  created: number;
  updated: number;
  unchanged: number;
  messages: number;
}

interface RunRow {
  id: string;
  status: ImportRunStatus;
  cursor: string | null;
  done: number;
  created: number;
  updated: number;
  unchanged: number;
  messages: number;
  job_id: string | null;
  requester_id: string | null;
  error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const toRun = (r: RunRow): GorgiasImportRunEntity => ({
  id: r.id,
  status: r.status,
  cursor: r.cursor,
  done: r.done,
  created: r.created,
  updated: r.updated,
  unchanged: r.unchanged,
  messages: r.messages,
  jobId: r.job_id,
  requesterId: r.requester_id,
  error: r.error,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

/** Import runs (with their persisted cursor) and accepted webhook deliveries. */
export class GorgiasRepository {
  constructor(private readonly db: DataSource) {}

  async runningRun(): Promise<GorgiasImportRunEntity | null> {
    const rows: RunRow[] = await this.db.query(`SELECT * FROM gorgias_import_runs WHERE status = 'running'`);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async lastRun(): Promise<GorgiasImportRunEntity | null> {
    const rows: RunRow[] = await this.db.query(
      `SELECT * FROM gorgias_import_runs ORDER BY started_at DESC, id DESC LIMIT 1`,
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findRun(id: string): Promise<GorgiasImportRunEntity | null> {
    const rows: RunRow[] = await this.db.query(`SELECT * FROM gorgias_import_runs WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Starts a run; the partial unique index refuses a second running one (unique violation). */
  async insertRun(
    tx: EntityManager,
    run: { requesterId: string | null; cursor: string | null; counters: RunCounters },
  ): Promise<GorgiasImportRunEntity> {
    const c = run.counters;
    const rows: RunRow[] = await tx.query(
      `INSERT INTO gorgias_import_runs (status, cursor, done, created, updated, unchanged, messages, requester_id)
       VALUES ('running', $1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [run.cursor, c.done, c.created, c.updated, c.unchanged, c.messages, run.requesterId],
    );
    return toRun(rows[0] as RunRow);
  }

  async setJobId(tx: EntityManager, id: string, jobId: string): Promise<void> {
    await tx.query(`UPDATE gorgias_import_runs SET job_id = $2 WHERE id = $1`, [id, jobId]);
  }

  /** After each page: the cursor of the next page and the counters so far. */
  async saveProgress(id: string, cursor: string | null, c: RunCounters): Promise<void> {
    await this.db.query(
      `UPDATE gorgias_import_runs
          SET cursor = $2, done = $3, created = $4, updated = $5, unchanged = $6, messages = $7, updated_at = now()
        WHERE id = $1`,
      [id, cursor, c.done, c.created, c.updated, c.unchanged, c.messages],
    );
  }

  async finishRun(id: string, status: 'completed' | 'failed', error: string | null = null): Promise<void> {
    await this.db.query(
      `UPDATE gorgias_import_runs SET status = $2, error = $3, finished_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'running'`,
      [id, status, error],
    );
  }

  /** Records a delivery; false when it was seen before. */
  async recordDelivery(tx: EntityManager, key: string, topic: string): Promise<boolean> {
    const rows: Array<{ delivery_key: string }> = await tx.query(
      `INSERT INTO gorgias_webhook_deliveries (delivery_key, topic) VALUES ($1, $2)
       ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key`,
      [key, topic],
    );
    return rows.length > 0;
  }

  async pruneDeliveries(olderThanDays: number): Promise<number> {
    const rows = await sql<{ delivery_key: string }>(
      this.db,
      `DELETE FROM gorgias_webhook_deliveries WHERE received_at < now() - make_interval(days => $1)
       RETURNING delivery_key`,
      [olderThanDays],
    );
    return rows.length;
  }
}
