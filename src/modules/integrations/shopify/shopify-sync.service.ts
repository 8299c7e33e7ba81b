import { randomUUID } from 'node:crypto';
import type { Job } from 'bull';
import type { z } from 'zod';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';
import type { Actor } from '../../../platform/security/actor';
import type { JobsService, RequestedJob } from '../../jobs/jobs.service';
import type { PageParams, ShopifyAdminApi } from './shopify-client';
import type { ShopifySettings } from './shopify.config';
import type { ShopifyRepository, SyncPhase, SyncRunRow } from './shopify.repository';
import { ShopifyCustomerPayload, ShopifyOrderPayload, type StartSyncInput } from './shopify.schemas';
import type { ShopifyCustomersService } from './shopify-customers.service';
import { notConfigured, type ShopifyOrdersService } from './shopify-orders.service';

export interface SyncResult {
  runId: string;
  status: 'completed' | 'failed' | 'skipped';
  customers: number;
  orders: number;
  pages: number;
  skipped?: string;
}

/** Overlap between reconciliation windows, so clock skew and slow commits lose nothing. */
const reconcileOverlapMs = 3600 * 1000;

const syncJobId = (runId: string) => `sync-${runId}`;

const runLockMs = 120_000;
const releaseLock = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Another worker is executing the run: retried later, never marks the run failed. */
export class RunBusyError extends Error {}

/**
 * Imports Shopify customers (and their orders) page by page through the Admin REST API.
 * The run lives in Postgres: after every page it stores the cursor of the next one, so a job
 * retried on another worker, after a crash or a restart, carries on from its last page instead
 * of starting again; re-importing a page is harmless (older `updated_at` never wins). One run
 * per shop at a time: asking again while one runs answers the running job.
 */
export class ShopifySyncService {
  constructor(
    private readonly settings: ShopifySettings | undefined,
    private readonly repo: ShopifyRepository,
    private readonly customers: ShopifyCustomersService,
    private readonly orders: ShopifyOrdersService,
    private readonly api: () => ShopifyAdminApi,
    private readonly jobs: JobsService,
    private readonly queues: QueueService,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {}

  async start(
    actor: Actor,
    input: StartSyncInput,
  ): Promise<{ jobId: string; runId: string; alreadyRunning: boolean }> {
    if (!this.settings) throw notConfigured();
    for (let attempt = 0; ; attempt++) {
      const { run, created } = await this.repo.createOrJoinRun({
        shop: this.settings.shop,
        kind: 'manual',
        requestedBy: actor.id,
        includeOrders: input.includeOrders,
        updatedSince: null,
      });
      if (!created) {
        if (attempt < 2 && (await this.jobIsOver(run))) {
          // The run's job ended without closing it (its worker died for good): close, start anew.
          await this.repo.finishRun(run.id, 'failed', 'its job ended without finishing the run');
          continue;
        }
        if (run.kind === 'reconcile' && run.job_id)
          return { jobId: run.job_id, runId: run.id, alreadyRunning: true };
      }
      // A deterministic job id: starting twice (or joining) never makes a second job.
      const jobId = await this.jobs.start(
        'shopify.sync',
        { runId: run.id, requesterId: run.requested_by },
        syncJobId(run.id),
      );
      if (created) await this.repo.setRunJob(run.id, jobId);
      return { jobId, runId: run.id, alreadyRunning: !created };
    }
  }

  /** The `shopify.sync` job. */
  async runJob(runId: string, job: Job<RequestedJob>): Promise<SyncResult> {
    const token = randomUUID();
    const lockKey = this.keys.key('shopify', 'sync-run', runId);
    // Bull runs a job once at a time, but a stalled job can be re-run while its first worker
    // still works, and a manual sync can join a reconciliation run: one executor per run.
    if ((await this.redis.set(lockKey, token, 'PX', runLockMs, 'NX')) !== 'OK') {
      throw new RunBusyError(`sync run ${runId} is being executed by another worker`);
    }
    try {
      return await this.execute(runId, job, () => this.redis.pexpire(lockKey, runLockMs));
    } catch (err) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts)
        await this.repo.finishRun(runId, 'failed', (err as Error).message);
      throw err;
    } finally {
      await this.redis.eval(releaseLock, 1, lockKey, token).catch(() => undefined);
    }
  }

  /** The nightly `shopify.reconcile` job: whatever changed since the last good run. */
  async reconcile(job: Job<RequestedJob>): Promise<SyncResult> {
    if (!this.settings) {
      return { runId: '', status: 'skipped', customers: 0, orders: 0, pages: 0, skipped: 'not configured' };
    }
    const last = await this.repo.lastCompletedRun(this.settings.shop);
    const since = last?.started_at ? new Date(last.started_at.getTime() - reconcileOverlapMs) : null;
    const { run, created } = await this.repo.createOrJoinRun({
      shop: this.settings.shop,
      kind: 'reconcile',
      requestedBy: null,
      includeOrders: true,
      updatedSince: since,
    });
    if (!created && run.kind === 'manual') {
      return {
        runId: run.id,
        status: 'skipped',
        customers: 0,
        orders: 0,
        pages: 0,
        skipped: 'a sync is running',
      };
    }
    if (created) await this.repo.setRunJob(run.id, `${job.queue.name}:${String(job.id)}`);
    // A reconcile run left unfinished by an earlier attempt is resumed from its cursor.
    return this.runJob(run.id, job);
  }

  private async execute(
    runId: string,
    job: Job<RequestedJob>,
    keepLock: () => Promise<unknown>,
  ): Promise<SyncResult> {
    let run = await this.repo.run(runId);
    if (!run) throw new Error(`sync run ${runId} not found`);
    if (run.status === 'completed' || run.status === 'failed') return resultOf(run);
    if (!this.settings) throw notConfigured();
    const api = this.api();
    const shop = this.settings.shop;

    let total = run.total;
    if (total === null) {
      const filter = this.filter(run);
      total = await api.countCustomers(filter);
      if (run.include_orders) total += await api.countOrders({ ...filter, status: 'any' });
    }
    await this.repo.startRun(run.id, total);
    await this.jobs.report(job, { done: run.customers_done + run.orders_done, total });
    if (run.page_cursor)
      this.logger.info({ runId, phase: run.phase, pages: run.pages_done }, 'resuming shopify sync');

    while (run.phase !== 'done') {
      const phase: SyncPhase = run.phase;
      const params: PageParams = run.page_cursor ?? this.firstPage(run, phase);
      const page = phase === 'customers' ? await api.customersPage(params) : await api.ordersPage(params);
      // A page is applied together; an item that still fails fails the page, and the job's
      // retry resumes from it (applying is idempotent).
      const applied =
        phase === 'customers'
          ? await this.applyPage(runId, 'customer', page.items, ShopifyCustomerPayload, (valid) =>
              this.customers.applyMany(valid.map((customer) => ({ shop, customer }))),
            )
          : await this.applyPage(runId, 'order', page.items, ShopifyOrderPayload, (valid) =>
              this.orders.applyMany(valid.map((order) => ({ shop, order }))),
            );
      const customers = phase === 'customers' ? applied : 0;
      const orders = phase === 'orders' ? applied : 0;
      const nextPhase: SyncPhase = page.next
        ? phase
        : phase === 'customers' && run.include_orders
          ? 'orders'
          : 'done';
      run = await this.repo.savePage(run.id, {
        phase: nextPhase,
        cursor: page.next ?? null,
        customers,
        orders,
      });
      await keepLock();
      await this.jobs.report(job, { done: run.customers_done + run.orders_done, total });
    }
    await this.repo.finishRun(run.id, 'completed', null);
    await this.jobs.report(job, { done: run.customers_done + run.orders_done, total }, 'completed');
    return { ...resultOf(run), status: 'completed' };
  }

  private filter(run: SyncRunRow): PageParams {
    return run.updated_since ? { updated_at_min: run.updated_since.toISOString() } : {};
  }

  /** Applies a page's items of the expected shape (the others are logged and skipped): how many. */
  private async applyPage<S extends z.ZodType, R>(
    runId: string,
    what: 'customer' | 'order',
    items: readonly unknown[],
    schema: S,
    applyMany: (valid: Array<z.output<S>>) => Promise<Array<PromiseSettledResult<R>>>,
  ): Promise<number> {
    const valid: Array<z.output<S>> = [];
    for (const item of items) {
      const parsed = schema.safeParse(item);
      if (parsed.success) valid.push(parsed.data);
      else this.logger.warn({ runId }, `skipping a ${what} in an unexpected shape`);
    }
    let applied = 0;
    for (const result of await applyMany(valid)) {
      if (result.status === 'rejected') throw result.reason;
      applied++;
    }
    return applied;
  }

  private firstPage(run: SyncRunRow, phase: SyncPhase): PageParams {
    const limit = this.settings?.pageSize ?? 250;
    return phase === 'orders'
      ? { limit, status: 'any', ...this.filter(run) }
      : { limit, ...this.filter(run) };
  }

  private async jobIsOver(run: SyncRunRow): Promise<boolean> {
    const publicId = run.job_id ?? `shopify:${syncJobId(run.id)}`;
    const job = await this.queues.queue('shopify').getJob(publicId.slice(publicId.indexOf(':') + 1));
    if (!job) return false; // not added yet (its creator is about to) or long removed
    const state = await job.getState();
    return state === 'completed' || state === 'failed';
  }
}

function resultOf(run: SyncRunRow): SyncResult {
  return {
    runId: run.id,
    status: run.status === 'failed' ? 'failed' : 'completed',
    customers: run.customers_done,
    orders: run.orders_done,
    pages: run.pages_done,
  };
}
