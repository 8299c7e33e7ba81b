import { NotFoundError } from '../../../platform/errors/app-error';
import type { EventBus } from '../../../platform/events/event-bus';
import type { Page } from '../../../platform/http/common.schemas';
import type { AuditRow, ExportRow, ShopifyRepository } from './shopify.repository';
import type { CustomersRedact, DataRequest, ExportsQueryInput, ShopRedact } from './shopify.schemas';
import { lockKeys } from './shopify-customers.service';
import type { ShopifyOrdersService } from './shopify-orders.service';

/**
 * Shopify's mandatory compliance topics. Each is idempotent (a data request id makes one
 * export; erasing twice erases nothing more) and leaves an entry in the audit trail, which
 * holds ids and counts, never the personal data itself.
 */
export class ShopifyComplianceService {
  constructor(
    private readonly repo: ShopifyRepository,
    private readonly orders: ShopifyOrdersService,
    private readonly events: EventBus,
  ) {}

  /** customers/data_request: a bundle of everything we hold on the shopper, kept for admins. */
  async dataRequest(
    shop: string,
    webhookId: string | null,
    p: DataRequest,
  ): Promise<{ exportId: string | null; customers: number }> {
    const shopifyCustomerId = p.customer.id ?? null;
    const email = p.customer.email?.toLowerCase() ?? null;
    return this.repo.transaction(async (tx) => {
      await this.repo.lock(tx, this.keysFor(shop, shopifyCustomerId, email));
      const targets = await this.repo.complianceTargets(tx, shopifyCustomerId, email);
      const data = await this.repo.exportData(tx, targets, shop, p.orders_requested);
      const bundle = {
        kind: 'shopify.customers/data_request',
        generatedAt: new Date().toISOString(),
        shop,
        dataRequestId: p.data_request.id,
        shopifyCustomerId,
        ordersRequested: p.orders_requested,
        ...data,
      };
      const exportId = await this.repo.insertExport(tx, {
        shop,
        dataRequestId: p.data_request.id,
        shopifyCustomerId,
        customerId: targets[0] ?? null,
        ordersRequested: p.orders_requested,
        bundle,
      });
      await this.repo.audit(tx, {
        topic: 'customers/data_request',
        shop,
        webhookId,
        shopifyCustomerId,
        customerIds: targets,
        details: {
          dataRequestId: p.data_request.id,
          exportId,
          alreadyExported: exportId === null,
          tickets: countOf(data.tickets),
          messages: countOf(data.messages),
          orders: countOf(data.orders),
        },
      });
      return { exportId, customers: targets.length };
    });
  }

  /** customers/redact: the shopper's personal data is erased; anonymous tickets stay for reports. */
  async redactCustomer(
    shop: string,
    webhookId: string | null,
    p: CustomersRedact,
  ): Promise<{ customers: number; messages: number }> {
    const shopifyCustomerId = p.customer.id ?? null;
    const email = p.customer.email?.toLowerCase() ?? null;
    const result = await this.repo.transaction(async (tx) => {
      await this.repo.lock(tx, this.keysFor(shop, shopifyCustomerId, email));
      const targets = await this.repo.complianceTargets(tx, shopifyCustomerId, email);
      const tickets = await this.repo.ticketCount(tx, targets);
      let messages = 0;
      let exports = 0;
      for (const id of targets) {
        const erased = await this.repo.eraseCustomer(tx, id);
        messages += erased.messages;
        exports += erased.exports;
      }
      // Deliveries about this shopper older than the redaction must not bring the data back.
      if (shopifyCustomerId) await this.repo.putTombstone(tx, shop, shopifyCustomerId, 'redacted');
      await this.repo.audit(tx, {
        topic: 'customers/redact',
        shop,
        webhookId,
        shopifyCustomerId,
        customerIds: targets,
        details: {
          customersErased: targets.length,
          ticketsKept: tickets,
          messagesRedacted: messages,
          exportsDeleted: exports,
          ordersToRedact: p.orders_to_redact.length,
        },
      });
      return { targets, messages };
    });
    await this.afterErase(result.targets);
    return { customers: result.targets.length, messages: result.messages };
  }

  /** shop/redact: the shop uninstalled the app 48 hours ago; erase every customer of it. */
  async redactShop(
    webhookId: string | null,
    p: ShopRedact,
  ): Promise<{ customers: number; messages: number }> {
    const shop = p.shop_domain.toLowerCase();
    const result = await this.repo.transaction(async (tx) => {
      const targets = await this.repo.customersOfShop(tx, shop);
      const tickets = await this.repo.ticketCount(tx, targets);
      let messages = 0;
      for (const id of targets) messages += (await this.repo.eraseCustomer(tx, id)).messages;
      const exports = await this.repo.deleteExportsOfShop(tx, shop);
      await this.repo.audit(tx, {
        topic: 'shop/redact',
        shop,
        webhookId,
        shopifyCustomerId: null,
        customerIds: targets,
        details: {
          customersErased: targets.length,
          ticketsKept: tickets,
          messagesRedacted: messages,
          exportsDeleted: exports,
        },
      });
      return { targets, messages };
    });
    await this.afterErase(result.targets);
    return { customers: result.targets.length, messages: result.messages };
  }

  listExports(q: ExportsQueryInput): Promise<Page<ExportRow>> {
    return this.repo.listExports(q);
  }

  async exportBundle(id: string): Promise<{ row: ExportRow; bundle: unknown }> {
    const found = await this.repo.exportBundle(id);
    if (!found) throw new NotFoundError('Export');
    return found;
  }

  listAudit(q: ExportsQueryInput): Promise<Page<AuditRow>> {
    return this.repo.listAudit(q);
  }

  private keysFor(shop: string, shopifyCustomerId: string | null, email: string | null): string[] {
    return [
      ...(shopifyCustomerId ? [lockKeys.shopifyCustomer(shop, shopifyCustomerId)] : []),
      ...(email ? [lockKeys.email(email)] : []),
    ];
  }

  private async afterErase(customerIds: string[]): Promise<void> {
    await this.orders.forgetCached(customerIds);
    for (const customerId of customerIds) {
      this.events.publish('customer.erased', { customerId });
      this.events.publish('customer.updated', { customerId });
    }
  }
}

function countOf(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}
