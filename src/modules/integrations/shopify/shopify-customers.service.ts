import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../../platform/db/postgres-errors';
import type { EventBus } from '../../../platform/events/event-bus';
import type { Logger } from '../../../platform/logging/logger';
import { applyTogetherOrAlone } from './apply-together';
import {
  shopperKey,
  type CustomerFields,
  type HeldCustomerRow,
  type LinkedCustomerRow,
  type ShopifyRepository,
  type ShopperState,
} from './shopify.repository';
import type { ShopifyCustomer } from './shopify.schemas';

export type CustomerOutcome = 'created' | 'linked' | 'updated' | 'stale' | 'tombstoned';

export interface CustomerResult {
  outcome: CustomerOutcome;
  customerId?: string;
}

type AppliedInTx =
  { outcome: 'created' | 'linked' | 'updated'; customerId: string } | { outcome: 'stale' | 'tombstoned' };

export const lockKeys = {
  shopifyCustomer: (shop: string, id: string) => `shopify:customer:${shop}:${id}`,
  email: (email: string) => `customer:email:${email}`,
  summary: (customerId: string) => `customer:order-summary:${customerId}`,
  order: (shop: string, id: string) => `shopify:order:${shop}:${id}`,
};

function fullName(c: { first_name: string | null; last_name: string | null }): string | null {
  const name = [c.first_name, c.last_name].filter((p): p is string => !!p).join(' ');
  return name.length > 0 ? name.slice(0, 200) : null;
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

/** What a Shopify customer writes to its CRM customer (an empty field keeps the CRM's value). */
function fieldsOf(shop: string, c: ShopifyCustomer): CustomerFields {
  return {
    email: c.email && emailPattern.test(c.email) ? c.email.toLowerCase().slice(0, 320) : null,
    name: fullName(c),
    phone: c.phone ? c.phone.slice(0, 32) : null,
    shopifyCustomerId: c.id,
    shop,
    shopifyUpdatedAt: c.updated_at,
  };
}

/** Would applying these fields change nothing? (Not older than what is held, and no new values.) */
function alreadyHeld(held: HeldCustomerRow, f: CustomerFields): boolean {
  const same = <T>(incoming: T | null, stored: T | null) => incoming === null || incoming === stored;
  return (
    held.shopify_shop === f.shop &&
    held.shopify_updated_at !== null &&
    held.shopify_updated_at >= f.shopifyUpdatedAt &&
    same(f.email, held.email) &&
    same(f.name, held.name) &&
    same(f.phone, held.phone)
  );
}

/** The advisory locks every write for this shopper runs under: its Shopify id and its email. */
function lockKeysOf(f: CustomerFields): string[] {
  return [
    lockKeys.shopifyCustomer(f.shop, f.shopifyCustomerId),
    ...(f.email ? [lockKeys.email(f.email)] : []),
  ];
}

/**
 * Whether an incoming customer must not be applied: the shopper was deleted or redacted since,
 * or we hold a newer version (`heldUpdatedAt`, null when nothing is linked).
 */
function verdictOf(
  tombstone: ShopperState['tombstone'],
  heldUpdatedAt: Date | null,
  f: CustomerFields,
): 'tombstoned' | 'stale' | null {
  if (tombstone && (tombstone.reason === 'deleted' || f.shopifyUpdatedAt <= tombstone.at))
    return 'tombstoned';
  // Strictly older only: Shopify's timestamps have one-second resolution, so an equal one may
  // be a second change made in the same second, and reconciliation must be able to repair it.
  if (heldUpdatedAt && f.shopifyUpdatedAt < heldUpdatedAt) return 'stale';
  return null;
}

/**
 * Shopify customers into CRM customers. One shopper is one customer: the row is found by its
 * Shopify id, else by email (emails are stored lower-cased, so the match is case-insensitive),
 * and every write for a shopper runs under advisory locks on that id and that email, so a storm
 * of concurrent, duplicated deliveries serialises instead of racing to insert. An update whose
 * `updated_at` is older than the one applied is ignored, so late deliveries never win.
 */
export class ShopifyCustomersService {
  constructor(
    private readonly repo: ShopifyRepository,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {}

  async apply(shop: string, c: ShopifyCustomer): Promise<CustomerResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.repo.transaction((tx) => this.applyInTx(tx, shop, c));
        this.announce([result]);
        return result;
      } catch (err) {
        // A CRM write outside our locks (a ticket creating the customer by email) can win the
        // race for an email; the next attempt finds that row and links it.
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  /**
   * `apply` for many shoppers (a batch of webhook deliveries, a page of a sync), in one
   * transaction: one lock statement, one read of every shopper's state, one update for every
   * linked customer whose email stays, instead of five round trips each. The answer is what
   * applying them one by one, in order, would give. When that transaction fails (a CRM write
   * racing for an email, a deadlock), each shopper is applied on its own instead, and the
   * answer carries each one's own result or error.
   */
  async applyMany(
    items: ReadonlyArray<{ shop: string; customer: ShopifyCustomer }>,
  ): Promise<Array<PromiseSettledResult<CustomerResult>>> {
    return applyTogetherOrAlone(
      items,
      async (all): Promise<CustomerResult[]> => {
        const results = await this.repo.transaction((tx) => this.applyManyInTx(tx, all));
        this.announce(results);
        return results;
      },
      (item) => this.apply(item.shop, item.customer),
      (err) =>
        this.logger.warn({ err, shoppers: items.length }, 'applying shoppers together failed; one by one'),
    );
  }

  /**
   * `apply` for the customers orders carry. Most of a shopper's orders carry the customer exactly
   * as we hold it: one unlocked read settles those, without a transaction or an event for a
   * change that did not happen. (Skipping is safe: it writes nothing, and what is held only ever
   * gets newer.) The others are applied together; any that fails is thrown.
   */
  async applyCarried(items: ReadonlyArray<{ shop: string; customer: ShopifyCustomer }>): Promise<void> {
    if (items.length === 0) return;
    const held = await this.repo.heldCustomers([...new Set(items.map((i) => i.customer.id))]);
    const changed = items.filter((i) => {
      const h = held.get(i.customer.id);
      return !h || !alreadyHeld(h, fieldsOf(i.shop, i.customer));
    });
    for (const applied of await this.applyMany(changed))
      if (applied.status === 'rejected') throw applied.reason;
  }

  /** Publishes what changed, once per customer, after the commit. */
  private announce(results: readonly AppliedInTx[]): void {
    const announced = new Set<string>();
    for (const r of results) {
      if (!('customerId' in r) || announced.has(r.customerId)) continue;
      announced.add(r.customerId);
      this.events.publish(r.outcome === 'created' ? 'customer.created' : 'customer.updated', {
        customerId: r.customerId,
      });
    }
  }

  private async applyManyInTx(
    tx: EntityManager,
    items: ReadonlyArray<{ shop: string; customer: ShopifyCustomer }>,
  ): Promise<AppliedInTx[]> {
    const work = items.map((item) => ({
      customer: item.customer,
      fields: fieldsOf(item.shop, item.customer),
    }));
    await this.repo.lock(
      tx,
      work.flatMap((w) => lockKeysOf(w.fields)),
    );
    const states = await this.repo.shopperStates(
      tx,
      work.map((w) => w.fields),
    );
    // A shopper already linked whose deliveries all keep its email touches no row but its own
    // and no other shopper's decision: it is settled in memory and written once at the end.
    // Any other (a new shopper, an email change) takes `applyInTx`'s full path, in order.
    const inMemory = new Map<
      string,
      { state: ShopperState; linked: LinkedCustomerRow; write?: CustomerFields }
    >();
    const keyOf = (f: CustomerFields) => shopperKey(f.shop, f.shopifyCustomerId);
    const emailsOf = new Map<string, Set<string>>(); // shopper key -> the emails delivered for it
    for (const { fields: f } of work) {
      if (f.email === null) continue;
      const key = keyOf(f);
      emailsOf.set(key, (emailsOf.get(key) ?? new Set()).add(f.email));
    }
    const changesEmail = (key: string, linked: LinkedCustomerRow) =>
      [...(emailsOf.get(key) ?? [])].some((email) => email !== linked.email);
    const shopperOf = new Map<string, string>(); // linked customer id -> shopper key
    const linkedTwice = new Set<string>(); // one Shopify id under two shops: the full path
    for (const [key, state] of states) {
      if (!state.linked || changesEmail(key, state.linked)) continue;
      const other = shopperOf.get(state.linked.id);
      if (other !== undefined) linkedTwice.add(key).add(other);
      shopperOf.set(state.linked.id, key);
      inMemory.set(key, { state, linked: { ...state.linked } });
    }
    for (const key of linkedTwice) inMemory.delete(key);

    const results: AppliedInTx[] = [];
    for (const { customer, fields: f } of work) {
      const held = inMemory.get(keyOf(f));
      if (!held) {
        results.push(await this.applyInTx(tx, f.shop, customer));
        continue;
      }
      const verdict = verdictOf(held.state.tombstone, held.linked.shopify_updated_at, f);
      if (verdict) {
        results.push({ outcome: verdict });
        continue;
      }
      // Null fields keep what is held, as the update statement's COALESCE does.
      const before = held.write;
      held.write = {
        ...f,
        email: f.email ?? before?.email ?? null,
        name: f.name ?? before?.name ?? null,
        phone: f.phone ?? before?.phone ?? null,
      };
      held.linked.shopify_updated_at = f.shopifyUpdatedAt;
      results.push({ outcome: 'updated', customerId: held.linked.id });
    }
    await this.repo.updateLinkedCustomers(
      tx,
      [...inMemory.values()].flatMap((h) => (h.write ? [{ id: h.linked.id, fields: h.write }] : [])),
    );
    return results;
  }

  private async applyInTx(tx: EntityManager, shop: string, c: ShopifyCustomer): Promise<AppliedInTx> {
    const fields = fieldsOf(shop, c);
    const email = fields.email;
    await this.repo.lock(tx, lockKeysOf(fields));

    const { tombstone: tomb, linked } = await this.repo.shopperState(tx, shop, c.id);
    const verdict = verdictOf(tomb, linked?.shopify_updated_at ?? null, fields);
    if (verdict) return { outcome: verdict };

    if (linked) {
      if (email && email !== linked.email) {
        const owner = await this.repo.emailOwner(tx, email);
        if (owner && owner !== linked.id) {
          this.logger.warn(
            { customerId: linked.id, otherCustomerId: owner, shopifyCustomerId: c.id },
            'shopify email already belongs to another customer; keeping the old email',
          );
          fields.email = null;
        }
      }
      await this.repo.updateLinkedCustomer(tx, linked.id, fields);
      return { outcome: 'updated', customerId: linked.id };
    }

    let customerId: string;
    let outcome: 'created' | 'linked';
    const byEmail = email ? await this.repo.customerByEmail(tx, email) : null;
    if (byEmail && !byEmail.shopify_customer_id) {
      await this.repo.updateLinkedCustomer(tx, byEmail.id, fields);
      customerId = byEmail.id;
      outcome = 'linked';
    } else {
      if (byEmail) {
        // Another Shopify customer holds this email (an email change we have not seen yet).
        this.logger.warn(
          { otherCustomerId: byEmail.id, shopifyCustomerId: c.id },
          'shopify email held by another linked customer; creating this one without email',
        );
        fields.email = null;
      }
      customerId = await this.repo.insertCustomer(tx, fields);
      outcome = 'created';
    }
    // Orders that arrived before their customer now count towards it.
    if ((await this.repo.attachOrphanOrders(tx, shop, c.id, customerId)) > 0) {
      await this.repo.lock(tx, [lockKeys.summary(customerId)]);
      await this.repo.recomputeSummary(tx, customerId);
    }
    return { outcome, customerId };
  }

  /** customers/delete: the shopper is gone from Shopify; the CRM customer and tickets stay. */
  async delete(shop: string, shopifyCustomerId: string): Promise<{ unlinked: string[] }> {
    const unlinked = await this.repo.transaction(async (tx) => {
      await this.repo.lock(tx, [lockKeys.shopifyCustomer(shop, shopifyCustomerId)]);
      await this.repo.putTombstone(tx, shop, shopifyCustomerId, 'deleted');
      return this.repo.unlinkShopifyId(tx, shopifyCustomerId);
    });
    for (const customerId of unlinked) this.events.publish('customer.updated', { customerId });
    return { unlinked };
  }
}
