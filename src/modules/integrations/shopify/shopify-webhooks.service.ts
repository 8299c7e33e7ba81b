import { createSecretKey, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { UnauthorizedError, UnavailableError, ValidationError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { DeliveryRecorder } from './delivery-recorder';
import type { ShopifySettings } from './shopify.config';
import type { DeliveryRow, FinishedDelivery, ShopifyRepository } from './shopify.repository';
import {
  CustomersRedactPayload,
  DataRequestPayload,
  ShopifyCustomerPayload,
  ShopifyIdOnlyPayload,
  ShopifyOrderPayload,
  ShopRedactPayload,
  WebhookHeaders,
  type ShopifyCustomer,
  type ShopifyOrder,
  customerTopics,
  orderTopics,
  type WebhookReceiver,
} from './shopify.schemas';
import type { ShopifyComplianceService } from './shopify-compliance.service';
import type { CustomerResult, ShopifyCustomersService } from './shopify-customers.service';
import { notConfigured, type ShopifyOrdersService } from './shopify-orders.service';
import { isValidShopifySignature } from './webhook-signature';

export interface WebhookCounters {
  acknowledged(outcome: 'new' | 'duplicate' | 'ignored'): void;
  processed(outcome: 'processed' | 'failed' | 'skipped', n: number): void;
}

const noCounters: WebhookCounters = { acknowledged: () => undefined, processed: () => undefined };

export interface WebhookAck {
  received: boolean;
  duplicate: boolean;
  ignored: boolean;
}

const topicsOf: Record<WebhookReceiver, readonly string[]> = {
  customers: customerTopics,
  orders: orderTopics,
};

/** Deliveries of one batch applied at once (each takes a pool connection while it runs). */
const batchConcurrency = 4;

/** Topics whose payload is a customer to upsert. */
const upsertTopics = new Set([
  'customers/create',
  'customers/update',
  'customers/enable',
  'customers/disable',
]);

/** Topics whose payload is an order to store (every `orders/` topic but `orders/delete`). */
function isOrderUpsert(topic: string): boolean {
  return topic.startsWith('orders/') && topic !== 'orders/delete';
}

/** A recorded delivery whose payload parsed, waiting to be applied with others of its kind. */
interface Grouped<P> {
  webhookId: string;
  shop: string;
  payload: P;
}

/** A delivery's outcome as recorded: what happened, and to which customer. */
function describeCustomer(r: CustomerResult): string {
  return r.customerId ? `${r.outcome} ${r.customerId}` : r.outcome;
}

/** A delivery Shopify signed but we cannot use: recorded as failed, never retried. */
class UnusableDelivery extends Error {}

function parse<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new UnusableDelivery(`payload ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  return result.data;
}

/**
 * Webhooks in. The request path only verifies the signature on the raw bytes, records the
 * delivery id and enqueues it (see DeliveryRecorder); the work happens in the
 * `shopify.webhooks` job, idempotently, since Shopify delivers late, twice and out of order.
 */
export class ShopifyWebhooksService {
  private readonly secret?: KeyObject;

  constructor(
    private readonly settings: ShopifySettings | undefined,
    private readonly repo: ShopifyRepository,
    private readonly recorder: DeliveryRecorder,
    private readonly customers: ShopifyCustomersService,
    private readonly orders: ShopifyOrdersService,
    private readonly compliance: ShopifyComplianceService,
    private readonly logger: Logger,
    private readonly counters: WebhookCounters = noCounters,
  ) {
    // Made once: building a key object per request is measurable under load.
    if (settings) this.secret = createSecretKey(Buffer.from(settings.webhookSecret, 'utf8'));
  }

  async receive(
    receiver: WebhookReceiver,
    headers: IncomingHttpHeaders,
    rawBody: Buffer | undefined,
    body: unknown,
  ): Promise<WebhookAck> {
    if (!this.settings || !this.secret) throw notConfigured();
    const signature = headers['x-shopify-hmac-sha256'];
    if (
      !isValidShopifySignature(rawBody, typeof signature === 'string' ? signature : undefined, this.secret)
    ) {
      throw new UnauthorizedError('Missing or invalid webhook signature', 'invalid_signature');
    }
    const parsed = WebhookHeaders.safeParse(headers);
    if (!parsed.success) {
      throw new ValidationError(
        'Missing or invalid Shopify delivery headers',
        parsed.error.issues.map((i) => ({ field: `headers.${i.path.join('.')}`, message: i.message })),
      );
    }
    const h = parsed.data;
    if (!topicsOf[receiver].includes(h['x-shopify-topic'])) {
      // Signed but not for this receiver: acknowledged (so Shopify keeps the subscription) and dropped.
      this.counters.acknowledged('ignored');
      return { received: true, duplicate: false, ignored: true };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !rawBody) {
      throw new ValidationError('The delivery body must be a JSON object', [
        { field: 'body', message: 'must be a JSON object' },
      ]);
    }
    const outcome = await this.recorder
      .record({
        webhookId: h['x-shopify-webhook-id'],
        topic: h['x-shopify-topic'],
        shopDomain: h['x-shopify-shop-domain'],
        eventId: h['x-shopify-event-id'] ?? null,
        apiVersion: h['x-shopify-api-version'] ?? null,
        triggeredAt: h['x-shopify-triggered-at'],
        payload: rawBody.toString('utf8'),
      })
      .catch(() => {
        // Not acknowledged, so Shopify retries it; the recorder logged the cause.
        throw new UnavailableError(
          'The delivery could not be recorded; retry later',
          'delivery_not_recorded',
        );
      });
    this.counters.acknowledged(outcome);
    return { received: true, duplicate: outcome === 'duplicate', ignored: false };
  }

  /**
   * The `shopify.webhooks` job: applies a batch of recorded deliveries. The batch is read in one
   * statement and its outcomes written in one (a crash in between re-applies some deliveries on
   * the retry, which every effect allows). Customer upserts are applied together, in one
   * transaction (`ShopifyCustomersService.applyMany`), then order upserts the same way
   * (`ShopifyOrdersService.applyMany`); the other topics a few at a time. When
   * some fail, the job fails and is retried; the deliveries already done are skipped then.
   */
  async processBatch(
    webhookIds: string[],
    lastAttempt: boolean,
  ): Promise<{ processed: number; failed: number; skipped: number }> {
    const counts = { processed: 0, failed: 0, skipped: 0 };
    const errors: Array<{ webhookId: string; err: unknown }> = [];
    const finished: FinishedDelivery[] = [];
    const finish = (done: FinishedDelivery) => {
      finished.push(done);
      counts[done.status === 'processed' ? 'processed' : 'failed']++;
    };
    const fail = (webhookId: string, err: unknown) => {
      errors.push({ webhookId, err });
      if (lastAttempt)
        finished.push({ webhookId, status: 'failed', outcome: `gave up: ${(err as Error).message}` });
    };

    const recorded = await this.repo.deliveries(webhookIds);
    const customerUpserts: Array<Grouped<ShopifyCustomer>> = [];
    const orderUpserts: Array<Grouped<ShopifyOrder>> = [];
    const others: DeliveryRow[] = [];
    // A delivery listed twice is applied once (the second would read it as still received).
    for (const id of new Set(webhookIds)) {
      const delivery = recorded.get(id);
      if (!delivery || delivery.status !== 'received') {
        counts.skipped++;
        continue;
      }
      const grouped = { webhookId: id, shop: delivery.shop_domain };
      if (upsertTopics.has(delivery.topic)) {
        const customer = ShopifyCustomerPayload.safeParse(delivery.payload);
        if (customer.success) {
          customerUpserts.push({ ...grouped, payload: customer.data });
          continue;
        }
      } else if (isOrderUpsert(delivery.topic)) {
        const order = ShopifyOrderPayload.safeParse(delivery.payload);
        if (order.success) {
          orderUpserts.push({ ...grouped, payload: order.data });
          continue;
        }
      }
      others.push(delivery); // unusable payloads too: `process` records why
    }

    const settle = <R>(
      group: ReadonlyArray<{ webhookId: string }>,
      applied: Array<PromiseSettledResult<R>>,
      describe: (r: R) => string,
    ) => {
      for (const [i, result] of applied.entries()) {
        const { webhookId } = group[i] as { webhookId: string };
        if (result.status === 'fulfilled')
          finish({ webhookId, status: 'processed', outcome: describe(result.value) });
        else fail(webhookId, result.reason);
      }
    };
    const worker = async () => {
      for (let delivery = others.shift(); delivery !== undefined; delivery = others.shift()) {
        try {
          finish(await this.process(delivery));
        } catch (err) {
          fail(delivery.webhook_id, err);
        }
      }
    };
    try {
      settle(
        customerUpserts,
        await this.customers.applyMany(customerUpserts.map((u) => ({ shop: u.shop, customer: u.payload }))),
        describeCustomer,
      );
      settle(
        orderUpserts,
        await this.orders.applyMany(orderUpserts.map((u) => ({ shop: u.shop, order: u.payload }))),
        (outcome) => outcome,
      );
      await Promise.all(Array.from({ length: Math.min(batchConcurrency, others.length) }, worker));
    } finally {
      await this.repo.finishDeliveries(finished);
    }
    for (const outcome of ['processed', 'failed', 'skipped'] as const) {
      if (counts[outcome] > 0) this.counters.processed(outcome, counts[outcome]);
    }
    if (errors.length > 0) {
      for (const e of errors)
        this.logger.warn({ err: e.err, webhookId: e.webhookId }, 'shopify delivery failed');
      throw new Error(`${errors.length} of ${webhookIds.length} deliveries failed; retrying them`);
    }
    return counts;
  }

  /**
   * Applies one recorded delivery. Safe to run twice (every effect is idempotent) and in any
   * order (older `updated_at` never wins). An unusable payload is an outcome (failed, never
   * retried); any other error is thrown for the job to retry.
   */
  private async process(delivery: DeliveryRow): Promise<FinishedDelivery> {
    const webhookId = delivery.webhook_id;
    try {
      const outcome = await this.apply(delivery.topic, delivery.shop_domain, webhookId, delivery.payload);
      return { webhookId, status: 'processed', outcome };
    } catch (err) {
      if (!(err instanceof UnusableDelivery)) throw err;
      this.logger.warn(
        { webhookId, topic: delivery.topic, reason: err.message },
        'unusable shopify delivery',
      );
      return { webhookId, status: 'failed', outcome: err.message };
    }
  }

  private async apply(topic: string, shop: string, webhookId: string, payload: unknown): Promise<string> {
    if (upsertTopics.has(topic))
      return describeCustomer(await this.customers.apply(shop, parse(ShopifyCustomerPayload, payload)));
    switch (topic) {
      case 'customers/delete': {
        const r = await this.customers.delete(shop, parse(ShopifyIdOnlyPayload, payload).id);
        return `unlinked ${r.unlinked.length}`;
      }
      case 'customers/data_request': {
        const r = await this.compliance.dataRequest(shop, webhookId, parse(DataRequestPayload, payload));
        return r.exportId ? `exported ${r.exportId}` : 'already exported';
      }
      case 'customers/redact': {
        const r = await this.compliance.redactCustomer(
          shop,
          webhookId,
          parse(CustomersRedactPayload, payload),
        );
        return `erased ${r.customers} customer(s), ${r.messages} message(s)`;
      }
      case 'shop/redact': {
        const r = await this.compliance.redactShop(webhookId, parse(ShopRedactPayload, payload));
        return `erased ${r.customers} customer(s), ${r.messages} message(s)`;
      }
      case 'orders/delete':
        return this.orders.delete(shop, parse(ShopifyIdOnlyPayload, payload).id);
      default:
        if (isOrderUpsert(topic)) return this.orders.apply(shop, parse(ShopifyOrderPayload, payload));
        return 'ignored topic';
    }
  }

  /** Re-enqueues deliveries whose job was lost (Redis flushed, enqueue failed after recording). */
  async strandedDeliveries(olderThanSeconds: number): Promise<string[]> {
    return this.repo.strandedDeliveries(olderThanSeconds, 500);
  }

  pruneDeliveries(): Promise<number> {
    return this.repo.pruneDeliveries(this.settings?.deliveryRetentionDays ?? 30);
  }
}
