import { NotFoundError, UnavailableError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';
import type { OrderSummary, OrderSummarySource, RecentOrder } from './order-summary.port';
import { applyTogetherOrAlone } from './apply-together';
import { ShopifyCallError, type ShopifyAdminApi } from './shopify-client';
import type { ShopifySettings } from './shopify.config';
import { toOrderDto } from './shopify.mapper';
import { orderKey, type OrderRow, type ShopifyRepository } from './shopify.repository';
import { ShopifyOrderPayload, type OrderDto, type ShopifyOrder } from './shopify.schemas';
import { lockKeys, type ShopifyCustomersService } from './shopify-customers.service';

export type OrderOutcome = 'stored' | 'stale' | 'deleted' | 'absent';

export interface CustomerOrdersResult {
  customerId: string;
  shopifyCustomerId: string | null;
  data: OrderDto[];
  stale: boolean;
  fetchedAt: string | null;
}

interface CachedOrders {
  fetchedAt: string;
  shopifyCustomerId: string;
  data: OrderDto[];
}

/** What we keep of an order. */
function orderRow(shop: string, o: ShopifyOrder, customerId: string | null): OrderRow {
  return {
    shop,
    shopifyOrderId: o.id,
    name: o.name,
    shopifyCustomerId: o.customer?.id ?? null,
    customerId,
    totalPrice: o.total_price,
    currency: o.currency,
    financialStatus: o.financial_status,
    fulfillmentStatus: o.fulfillment_status,
    cancelledAt: o.cancelled_at ?? null,
    createdAt: o.created_at,
    updatedAt: o.updated_at,
  };
}

export const notConfigured = () =>
  new UnavailableError(
    'Shopify is not configured: set SHOPIFY_SHOP, SHOPIFY_ACCESS_TOKEN and SHOPIFY_WEBHOOK_SECRET',
    'shopify_not_configured',
  );

/**
 * Orders: a small per-order table (id, customer, total, status, updated_at) from which each
 * customer's summary is recomputed, so replays and reorderings never double count; and a
 * customer's full orders fetched from Shopify on demand, cached in Redis.
 */
export class ShopifyOrdersService implements OrderSummarySource {
  private readonly inFlight = new Map<string, Promise<CustomerOrdersResult>>();

  constructor(
    private readonly settings: ShopifySettings | undefined,
    private readonly repo: ShopifyRepository,
    private readonly customers: ShopifyCustomersService,
    private readonly api: () => ShopifyAdminApi,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {}

  /** Stores an order (create/update/paid/cancelled…) unless we already hold a newer version. */
  async apply(shop: string, o: ShopifyOrder): Promise<OrderOutcome> {
    const [outcome] = await this.applyAll([{ shop, order: o }]);
    if (!outcome) throw new Error('an order applied without an outcome');
    return outcome;
  }

  /**
   * `apply` for many orders (a batch of deliveries): their customers in one go, then the orders
   * in one transaction of a few statements, instead of ten round trips each. When that fails
   * (a deadlock, a bad row), each order is applied on its own, and the answer carries each
   * one's own outcome or error.
   */
  applyMany(
    items: ReadonlyArray<{ shop: string; order: ShopifyOrder }>,
  ): Promise<Array<PromiseSettledResult<OrderOutcome>>> {
    return applyTogetherOrAlone(
      items,
      (all) => this.applyAll(all),
      (item) => this.apply(item.shop, item.order),
      (err) => this.logger.warn({ err, orders: items.length }, 'applying orders together failed; one by one'),
    );
  }

  private async applyAll(
    items: ReadonlyArray<{ shop: string; order: ShopifyOrder }>,
  ): Promise<OrderOutcome[]> {
    // The orders carry their customers: make sure those shoppers exist (the staleness rule
    // protects newer customer data), so each order counts towards its shopper at once.
    await this.customers.applyCarried(
      items.flatMap(({ shop, order: o }) =>
        o.customer?.updated_at
          ? [{ shop, customer: { ...o.customer, updated_at: o.customer.updated_at, state: null } }]
          : [],
      ),
    );
    return this.repo.transaction(async (tx) => {
      // Locks in the same phases as every other writer (orders, then shoppers, then summaries),
      // each phase in one sorted statement, so no two transactions wait on each other crosswise.
      await this.repo.lock(
        tx,
        items.map((i) => lockKeys.order(i.shop, i.order.id)),
      );
      const held = await this.repo.lockedOrders(
        tx,
        items.map((i) => ({ shop: i.shop, shopifyOrderId: i.order.id })),
      );
      // In delivery order, each against the newest version held or stored before it.
      const outcomes: OrderOutcome[] = [];
      const toStore = new Map<string, { shop: string; order: ShopifyOrder }>();
      for (const item of items) {
        const key = orderKey(item.shop, item.order.id);
        const newest = toStore.get(key)?.order.updated_at ?? held.get(key)?.shopify_updated_at;
        if (newest && item.order.updated_at < newest) {
          outcomes.push('stale');
          continue;
        }
        toStore.set(key, item);
        outcomes.push('stored');
      }
      const stored = [...toStore.values()];
      // Taken after the order locks (never before), so a customer arriving at the same moment
      // either sees these orders as orphans to attach, or is seen by them.
      const shoppers = stored.flatMap(({ shop, order: o }) =>
        o.customer ? [{ shop, id: o.customer.id }] : [],
      );
      await this.repo.lock(
        tx,
        shoppers.map((c) => lockKeys.shopifyCustomer(c.shop, c.id)),
      );
      const customerIds = await this.repo.customerIdsForShopifyIds(tx, [
        ...new Set(shoppers.map((c) => c.id)),
      ]);
      const rows = stored.map(({ shop, order: o }) =>
        orderRow(shop, o, o.customer ? (customerIds.get(o.customer.id) ?? null) : null),
      );
      const affected = [
        ...new Set([
          ...rows.map((r) => r.customerId),
          ...rows.map((r) => held.get(orderKey(r.shop, r.shopifyOrderId))?.customer_id ?? null),
        ]),
      ].filter((id): id is string => id !== null);
      await this.repo.lock(tx, affected.map(lockKeys.summary));
      await this.repo.upsertOrders(tx, rows);
      await this.repo.recomputeSummaries(tx, affected);
      return outcomes;
    });
  }

  async delete(shop: string, shopifyOrderId: string): Promise<OrderOutcome> {
    return this.repo.transaction(async (tx) => {
      await this.repo.lock(tx, [lockKeys.order(shop, shopifyOrderId)]);
      const existing = await this.repo.lockedOrder(tx, shop, shopifyOrderId);
      if (!existing) return 'absent';
      if (existing.customer_id) await this.repo.lock(tx, [lockKeys.summary(existing.customer_id)]);
      await this.repo.deleteOrder(tx, shop, shopifyOrderId);
      if (existing.customer_id) await this.repo.recomputeSummary(tx, existing.customer_id);
      return 'deleted';
    });
  }

  // --- OrderSummarySource ---------------------------------------------------------------------

  async orderSummary(customerId: string): Promise<OrderSummary | null> {
    const row = await this.repo.summary(customerId);
    if (!row || row.orders_count === 0) return null;
    return {
      orderCount: row.orders_count,
      totalSpent: Number(row.total_spent),
      currency: row.currency ?? '',
      firstOrderAt: row.first_order_at,
      lastOrderAt: row.last_order_at,
    };
  }

  summaryFor(customerId: string): Promise<OrderSummary | null> {
    return this.orderSummary(customerId);
  }

  async recentOrders(customerId: string, limit = 5): Promise<RecentOrder[]> {
    const rows = await this.repo.recentOrders(customerId, Math.min(Math.max(limit, 1), 50));
    return rows.map((r) => ({
      id: r.shopify_order_id,
      name: r.name ?? `#${r.shopify_order_id}`,
      totalPrice: r.total_price,
      currency: r.currency ?? '',
      financialStatus: r.financial_status,
      fulfillmentStatus: r.fulfillment_status,
      createdAt: r.order_created_at.toISOString(),
    }));
  }

  // --- a customer's orders, live from Shopify -------------------------------------------------

  /**
   * Fresh from the cache (5 minutes by default), else from Shopify (`status: any`). When
   * Shopify fails, the last good answer is served with `stale: true`; without one, 503.
   */
  customerOrders(customerId: string): Promise<CustomerOrdersResult> {
    if (!this.settings) return Promise.reject(notConfigured());
    // One lookup per customer at a time, however many agents open the ticket at once: requests
    // arriving meanwhile share its answer, and a lookup starting after it finds its cache entry.
    const running = this.inFlight.get(customerId);
    if (running) return running;
    const work = this.lookup(customerId, this.settings).finally(() => this.inFlight.delete(customerId));
    this.inFlight.set(customerId, work);
    return work;
  }

  private async lookup(customerId: string, settings: ShopifySettings): Promise<CustomerOrdersResult> {
    const { exists, shopifyCustomerId } = await this.repo.shopifyIdOf(customerId);
    if (!exists) throw new NotFoundError('Customer');
    if (!shopifyCustomerId)
      return { customerId, shopifyCustomerId: null, data: [], stale: false, fetchedAt: null };
    const cached = await this.readCache(customerId);
    const usable = cached?.shopifyCustomerId === shopifyCustomerId ? cached : null;
    if (usable && Date.now() - Date.parse(usable.fetchedAt) < settings.ordersFreshSeconds * 1000) {
      return { customerId, shopifyCustomerId, data: usable.data, stale: false, fetchedAt: usable.fetchedAt };
    }
    return this.fetchAndCache(customerId, shopifyCustomerId, usable);
  }

  /** Drops the cached orders of a customer (after erasure). */
  async forgetCached(customerIds: string[]): Promise<void> {
    if (customerIds.length > 0) await this.redis.del(...customerIds.map((id) => this.cacheKey(id)));
  }

  private async fetchAndCache(
    customerId: string,
    shopifyCustomerId: string,
    lastGood: CachedOrders | null,
  ): Promise<CustomerOrdersResult> {
    let raw: unknown[];
    try {
      raw = await this.api().customerOrders(shopifyCustomerId, { status: 'any', limit: 50 });
    } catch (err) {
      if (err instanceof ShopifyCallError && err.status === 404) {
        raw = []; // gone from Shopify: no orders to show
      } else {
        this.logger.warn({ err, customerId }, 'shopify orders fetch failed');
        if (lastGood) {
          return {
            customerId,
            shopifyCustomerId,
            data: lastGood.data,
            stale: true,
            fetchedAt: lastGood.fetchedAt,
          };
        }
        throw new UnavailableError(
          'Shopify is unavailable and no earlier answer is cached',
          'shopify_unavailable',
        );
      }
    }
    const data: OrderDto[] = [];
    for (const item of raw) {
      const parsed = ShopifyOrderPayload.safeParse(item);
      if (parsed.success) data.push(toOrderDto(parsed.data));
      else this.logger.warn({ customerId }, 'skipping an order Shopify sent in an unexpected shape');
    }
    data.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const entry: CachedOrders = { fetchedAt: new Date().toISOString(), shopifyCustomerId, data };
    const ttl = Math.max(this.settings?.ordersLastGoodSeconds ?? 0, this.settings?.ordersFreshSeconds ?? 0);
    await this.redis
      .set(this.cacheKey(customerId), JSON.stringify(entry), 'EX', ttl)
      .catch((err: unknown) => this.logger.warn({ err }, 'could not cache shopify orders'));
    return { customerId, shopifyCustomerId, data, stale: false, fetchedAt: entry.fetchedAt };
  }

  private async readCache(customerId: string): Promise<CachedOrders | null> {
    try {
      const text = await this.redis.get(this.cacheKey(customerId));
      return text ? (JSON.parse(text) as CachedOrders) : null;
    } catch (err) {
      this.logger.warn({ err }, 'could not read cached shopify orders');
      return null;
    }
  }

  private cacheKey(customerId: string): string {
    return this.keys.key('shopify', 'orders', customerId);
  }
}
