import type { z } from 'zod';
import type { AuditRow, ExportRow } from './shopify.repository';
import type { ComplianceEntry, DataExportSummary, OrderDto, ShopifyOrder } from './shopify.schemas';

/** A Shopify order as agents see it beside a ticket: no addresses, no payment details. */
export function toOrderDto(o: ShopifyOrder): OrderDto {
  return {
    id: o.id,
    name: o.name,
    createdAt: o.created_at.toISOString(),
    updatedAt: o.updated_at.toISOString(),
    cancelledAt: o.cancelled_at ? o.cancelled_at.toISOString() : null,
    currency: o.currency,
    totalPrice: o.total_price,
    financialStatus: o.financial_status,
    fulfillmentStatus: o.fulfillment_status,
    lineItems: o.line_items.map((li) => ({
      title: li.title ?? null,
      quantity: li.quantity ?? null,
      price: li.price ?? null,
      sku: li.sku ?? null,
    })),
  };
}

export function toExportDto(r: ExportRow): z.infer<typeof DataExportSummary> {
  return {
    id: r.id,
    shop: r.shop,
    dataRequestId: r.data_request_id,
    shopifyCustomerId: r.shopify_customer_id,
    customerId: r.customer_id,
    ordersRequested: r.orders_requested,
    createdAt: r.created_at.toISOString(),
  };
}

export function toAuditDto(r: AuditRow): z.infer<typeof ComplianceEntry> {
  return {
    id: r.id,
    topic: r.topic,
    shop: r.shop,
    webhookId: r.webhook_id,
    shopifyCustomerId: r.shopify_customer_id,
    customerIds: r.customer_ids,
    details: r.details,
    createdAt: r.created_at.toISOString(),
  };
}
