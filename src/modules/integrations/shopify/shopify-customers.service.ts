import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../../platform/db/postgres-errors';
import type { EventBus } from '../../../platform/events/event-bus';
import type { Logger } from '../../../platform/logging/logger';
import type { CustomerFields, HeldCustomerRow, ShopifyRepository } from './shopify.repository';
import type { ShopifyCustomer } from './shopify.schemas';

export type CustomerOutcome = 'created' | 'linked' | 'updated' | 'stale' | 'tombstoned';

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

  async apply(shop: string, c: ShopifyCustomer): Promise<{ outcome: CustomerOutcome; customerId?: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.repo.transaction((tx) => this.applyInTx(tx, shop, c));
        if (result.outcome === 'created')
          this.events.publish('customer.created', { customerId: result.customerId });
        else if (result.outcome === 'linked' || result.outcome === 'updated')
          this.events.publish('customer.updated', { customerId: result.customerId });
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
   * `apply` for the customer an order carries. Most of a shopper's orders carry the customer
   * exactly as we hold it: one unlocked read settles those, without a transaction or an event
   * for a change that did not happen. (Skipping is safe: it writes nothing, and what is held only
   * ever gets newer.)
   */
  async applyCarried(
    shop: string,
    c: ShopifyCustomer,
  ): Promise<{ outcome: CustomerOutcome | 'unchanged'; customerId?: string }> {
    const held = await this.repo.heldCustomer(c.id);
    if (held && alreadyHeld(held, fieldsOf(shop, c))) return { outcome: 'unchanged', customerId: held.id };
    return this.apply(shop, c);
  }

  private async applyInTx(
    tx: EntityManager,
    shop: string,
    c: ShopifyCustomer,
  ): Promise<
    { outcome: 'created' | 'linked' | 'updated'; customerId: string } | { outcome: 'stale' | 'tombstoned' }
  > {
    const fields = fieldsOf(shop, c);
    const email = fields.email;
    await this.repo.lock(tx, [
      lockKeys.shopifyCustomer(shop, c.id),
      ...(email ? [lockKeys.email(email)] : []),
    ]);

    const { tombstone: tomb, linked } = await this.repo.shopperState(tx, shop, c.id);
    if (tomb && (tomb.reason === 'deleted' || c.updated_at <= tomb.at)) return { outcome: 'tombstoned' };

    if (linked) {
      // Strictly older only: Shopify's timestamps have one-second resolution, so an equal one may
      // be a second change made in the same second, and reconciliation must be able to repair it.
      if (linked.shopify_updated_at && c.updated_at < linked.shopify_updated_at) return { outcome: 'stale' };
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
