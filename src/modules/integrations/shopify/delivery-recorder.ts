import type { Logger } from '../../../platform/logging/logger';
import type { NewDelivery, ShopifyRepository } from './shopify.repository';

export type RecordOutcome = 'new' | 'duplicate';

interface Waiting {
  delivery: NewDelivery;
  resolve: (outcome: RecordOutcome) => void;
  reject: (err: unknown) => void;
}

export interface RecorderOptions {
  /** Most deliveries written by one statement. */
  maxBatch: number;
  /** Statements in flight at once (each holds a pool connection). */
  maxConcurrent: number;
}

/**
 * Records webhook deliveries and hands new ones to the queue, in batches: the deliveries of one
 * event-loop turn, and those arriving while both writes are in flight, are written together
 * (group commit). Under load this turns thousands of INSERTs and queue adds per second into a
 * few hundred statements, which is what keeps the acknowledgement fast; alone, a delivery is
 * written at the end of its turn.
 *
 * A delivery is acknowledged once it is recorded (committed in Postgres, which is what makes it
 * impossible to lose); its job is added right after, without holding the acknowledgement. If
 * the queue refuses, the delivery stays `received` and is recovered by Shopify's retry (a repeat
 * of an unprocessed delivery is enqueued again; processing skips what is already done) or by
 * the `shopify.sweep-deliveries` job. Failing the acknowledgement instead would make Shopify
 * retry, and after 8 failures delete the subscription, for as long as Redis is away.
 */
export class DeliveryRecorder {
  private readonly waiting: Waiting[] = [];
  private running = 0;
  private pumpScheduled = false;

  constructor(
    private readonly repo: ShopifyRepository,
    private readonly enqueue: (webhookIds: string[]) => Promise<void>,
    private readonly logger: Logger,
    private readonly opts: RecorderOptions = { maxBatch: 250, maxConcurrent: 2 },
  ) {}

  record(delivery: NewDelivery): Promise<RecordOutcome> {
    return new Promise<RecordOutcome>((resolve, reject) => {
      this.waiting.push({ delivery, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Writes at the end of the event-loop turn (setImmediate runs right after the poll phase), so
   * every delivery read in one turn shares a statement: written at once, the turn's first
   * delivery would go alone and the rest wait for it.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.opts.maxConcurrent && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.opts.maxBatch);
      this.running++;
      void this.flush(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async flush(batch: Waiting[]): Promise<void> {
    try {
      // The same delivery twice in one batch: the first copy decides, the others are repeats.
      const firstOf = new Map<string, NewDelivery>();
      for (const w of batch)
        if (!firstOf.has(w.delivery.webhookId)) firstOf.set(w.delivery.webhookId, w.delivery);
      const { inserted, pending } = await this.repo.recordDeliveries([...firstOf.values()]);
      const toQueue = [...inserted, ...pending];
      if (toQueue.length > 0) {
        this.enqueue(toQueue).catch((err: unknown) => {
          this.logger.warn(
            { err, deliveries: toQueue.length },
            'queueing recorded shopify deliveries failed; the sweep will queue them',
          );
        });
      }
      const claimed = new Set<string>();
      for (const w of batch) {
        const id = w.delivery.webhookId;
        if (inserted.has(id) && !claimed.has(id)) {
          claimed.add(id);
          w.resolve('new');
        } else {
          w.resolve('duplicate');
        }
      }
    } catch (err) {
      if (batch.length > 1) {
        // One unstorable delivery must not fail its neighbours: retry them one by one.
        for (const w of batch) await this.flush([w]);
        return;
      }
      this.logger.error({ err, deliveries: batch.length }, 'recording shopify deliveries failed');
      for (const w of batch) w.reject(err);
    }
  }
}
