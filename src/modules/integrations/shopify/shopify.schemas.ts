import { z } from 'zod';
import { isoDate, listQuery, uuid } from '../../../platform/http/common.schemas';

// ---------------------------------------------------------------------------------------------
// What Shopify sends (webhook payloads and REST resources share these shapes). Lenient on
// purpose: unknown keys are ignored, optional ones may be missing or null.
// ---------------------------------------------------------------------------------------------

/** Shopify ids are integers in JSON; we keep them as strings (they outgrow 32 bits). */
export const ShopifyId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)])
  .transform((v) => String(v));

/** Shopify timestamps carry an offset (`2026-11-21T10:00:00-05:00`). */
const shopifyTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a timestamp')
  .transform((s) => new Date(s));

const optionalText = z
  .string()
  .nullish()
  .transform((s) => {
    const t = s?.trim();
    return t ? t : null;
  });

export const ShopifyCustomerPayload = z.object({
  id: ShopifyId,
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  phone: optionalText,
  state: z.string().nullish(),
  created_at: shopifyTime.nullish(),
  updated_at: shopifyTime,
});
export type ShopifyCustomer = z.output<typeof ShopifyCustomerPayload>;

export const ShopifyIdOnlyPayload = z.object({ id: ShopifyId });

const money = z
  .union([z.string().regex(/^-?\d+(\.\d+)?$/), z.number()])
  .transform((v) => (typeof v === 'number' ? v.toFixed(2) : v));

export const ShopifyOrderPayload = z.object({
  id: ShopifyId,
  name: optionalText,
  created_at: shopifyTime,
  updated_at: shopifyTime,
  cancelled_at: shopifyTime.nullish(),
  currency: optionalText,
  total_price: money.default('0'),
  financial_status: optionalText,
  fulfillment_status: optionalText,
  customer: z
    .object({
      id: ShopifyId,
      email: optionalText,
      first_name: optionalText,
      last_name: optionalText,
      phone: optionalText,
      updated_at: shopifyTime.nullish(),
    })
    .nullish(),
  line_items: z
    .array(
      z.object({
        id: ShopifyId.nullish(),
        title: z.string().nullish(),
        quantity: z.number().nullish(),
        price: money.nullish(),
        sku: z.string().nullish(),
      }),
    )
    .default([]),
});
export type ShopifyOrder = z.output<typeof ShopifyOrderPayload>;

const complianceCustomer = z.object({
  id: ShopifyId.nullish(),
  email: optionalText,
  phone: optionalText,
});

export const DataRequestPayload = z.object({
  shop_id: ShopifyId.nullish(),
  shop_domain: z.string().min(1),
  orders_requested: z.array(ShopifyId).default([]),
  customer: complianceCustomer,
  data_request: z.object({ id: ShopifyId }),
});
export type DataRequest = z.output<typeof DataRequestPayload>;

export const CustomersRedactPayload = z.object({
  shop_id: ShopifyId.nullish(),
  shop_domain: z.string().min(1),
  customer: complianceCustomer,
  orders_to_redact: z.array(ShopifyId).default([]),
});
export type CustomersRedact = z.output<typeof CustomersRedactPayload>;

export const ShopRedactPayload = z.object({
  shop_id: ShopifyId.nullish(),
  shop_domain: z.string().min(1),
});
export type ShopRedact = z.output<typeof ShopRedactPayload>;

/** The topics each receiver accepts. Anything else is acknowledged and ignored. */
export const customerTopics = [
  'customers/create',
  'customers/update',
  'customers/enable',
  'customers/disable',
  'customers/delete',
  'customers/data_request',
  'customers/redact',
  'shop/redact',
] as const;
export const orderTopics = [
  'orders/create',
  'orders/updated',
  'orders/paid',
  'orders/cancelled',
  'orders/fulfilled',
  'orders/partially_fulfilled',
  'orders/delete',
] as const;
export type CustomerTopic = (typeof customerTopics)[number];
export type OrderTopic = (typeof orderTopics)[number];
export type ShopifyTopic = CustomerTopic | OrderTopic;
export type WebhookReceiver = 'customers' | 'orders';

/** The delivery headers we rely on, once the signature is known to be good. */
export const WebhookHeaders = z.object({
  'x-shopify-topic': z.string().trim().min(1).max(100),
  'x-shopify-webhook-id': z.string().trim().min(1).max(200),
  'x-shopify-shop-domain': z.string().trim().toLowerCase().min(1).max(255),
  'x-shopify-event-id': z.string().trim().max(200).optional(),
  'x-shopify-api-version': z.string().trim().max(20).optional(),
  // Informational only: an odd value is dropped rather than refused (a refusal makes Shopify retry).
  'x-shopify-triggered-at': z
    .string()
    .optional()
    .transform((s) => (s && !Number.isNaN(Date.parse(s)) ? new Date(s) : null)),
});
export type WebhookHeadersInput = z.output<typeof WebhookHeaders>;

// ---------------------------------------------------------------------------------------------
// Our API
// ---------------------------------------------------------------------------------------------

export const WebhookAck = z
  .object({ received: z.boolean(), duplicate: z.boolean(), ignored: z.boolean() })
  .meta({ id: 'ShopifyWebhookAck' });

export const StartSyncBody = z
  .object({
    includeOrders: z
      .boolean()
      .default(true)
      .describe('Also import every order (status any) for the order summaries'),
  })
  .strict()
  .meta({ id: 'StartShopifySync' });
export type StartSyncInput = z.output<typeof StartSyncBody>;

export const SyncStarted = z
  .object({
    jobId: z.string(),
    runId: uuid,
    alreadyRunning: z.boolean().describe('A sync was already running; this is its job'),
  })
  .meta({ id: 'ShopifySyncStarted' });

export const Order = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
    cancelledAt: isoDate.nullable(),
    currency: z.string().nullable(),
    totalPrice: z.string(),
    financialStatus: z.string().nullable(),
    fulfillmentStatus: z.string().nullable(),
    lineItems: z.array(
      z.object({
        title: z.string().nullable(),
        quantity: z.number().nullable(),
        price: z.string().nullable(),
        sku: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'ShopifyOrder' });
export type OrderDto = z.infer<typeof Order>;

export const CustomerOrders = z
  .object({
    customerId: uuid,
    shopifyCustomerId: z.string().nullable(),
    data: z.array(Order),
    stale: z.boolean().describe('Shopify could not be reached: this is the last answer we had'),
    fetchedAt: isoDate.nullable(),
  })
  .meta({ id: 'CustomerOrders' });

export const DataExportSummary = z
  .object({
    id: uuid,
    shop: z.string(),
    dataRequestId: z.string(),
    shopifyCustomerId: z.string().nullable(),
    customerId: uuid.nullable(),
    ordersRequested: z.array(z.string()),
    createdAt: isoDate,
  })
  .meta({ id: 'ShopifyDataExport' });

export const ComplianceEntry = z
  .object({
    id: z.string(),
    topic: z.string(),
    shop: z.string(),
    webhookId: z.string().nullable(),
    shopifyCustomerId: z.string().nullable(),
    customerIds: z.array(uuid),
    details: z.record(z.string(), z.unknown()),
    createdAt: isoDate,
  })
  .meta({ id: 'ShopifyComplianceEntry' });

export const ExportsQuery = listQuery;
export type ExportsQueryInput = z.output<typeof ExportsQuery>;
