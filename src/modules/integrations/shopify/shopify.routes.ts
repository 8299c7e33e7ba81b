import { z } from 'zod';
import { IdParams, page } from '../../../platform/http/common.schemas';
import { defineRoute, defineWebhook, type AnyRoute } from '../../../platform/http/route';
import { Roles } from '../../../platform/security/actor';
import { toAuditDto, toExportDto } from './shopify.mapper';
import {
  ComplianceEntry,
  CustomerOrders,
  DataExportSummary,
  ExportsQuery,
  StartSyncBody,
  SyncStarted,
  WebhookAck,
  type WebhookReceiver,
} from './shopify.schemas';
import type { ShopifyComplianceService } from './shopify-compliance.service';
import type { ShopifyOrdersService } from './shopify-orders.service';
import type { ShopifySyncService } from './shopify-sync.service';
import type { ShopifyWebhooksService } from './shopify-webhooks.service';

const tags = ['Shopify'];

export interface ShopifyRouteServices {
  webhooks: ShopifyWebhooksService;
  sync: ShopifySyncService;
  orders: ShopifyOrdersService;
  compliance: ShopifyComplianceService;
}

function webhookRoute(receiver: WebhookReceiver, webhooks: ShopifyWebhooksService, topics: string): AnyRoute {
  return defineWebhook({
    path: `/api/shopify/webhooks/${receiver}`,
    summary: `Shopify webhook receiver (${topics}); X-Shopify-Topic decides`,
    tags,
    responses: [
      {
        status: 200,
        description: 'Recorded and queued (or a repeat, acknowledged and ignored)',
        schema: WebhookAck,
      },
      { status: 401, description: 'Missing or invalid X-Shopify-Hmac-Sha256: nothing stored' },
      { status: 503, description: 'Shopify is not configured' },
    ],
    // No body schema here on purpose: the signature is checked on the raw bytes first, and the
    // payload is validated by the job (a signed but unusable payload must not make Shopify retry).
    receive: async ({ headers, rawBody, body }) => ({
      body: await webhooks.receive(receiver, headers, rawBody, body),
    }),
  });
}

export function shopifyRoutes(s: ShopifyRouteServices): AnyRoute[] {
  return [
    webhookRoute(
      'customers',
      s.webhooks,
      'customers/create|update|enable|disable|delete, customers/data_request, customers/redact, shop/redact',
    ),
    webhookRoute(
      'orders',
      s.webhooks,
      'orders/create|updated|paid|cancelled|fulfilled|partially_fulfilled|delete',
    ),
    defineRoute({
      method: 'post',
      path: '/api/shopify/sync/customers',
      summary: 'Import every Shopify customer (and, by default, their orders) in a background job',
      tags,
      roles: Roles.leads,
      body: StartSyncBody,
      responses: [
        {
          status: 202,
          description: 'Started (or already running): follow it at GET /api/jobs/:id',
          schema: SyncStarted,
        },
        { status: 503, description: 'Shopify is not configured' },
      ],
      handler: async ({ body, actor }) => ({ status: 202, body: await s.sync.start(actor, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/customers/:id/orders',
      summary: "The customer's Shopify orders (all statuses), cached for 5 minutes",
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        {
          status: 200,
          description: 'Orders, newest first; stale when Shopify is down',
          schema: CustomerOrders,
        },
        { status: 404, description: 'No such customer' },
        { status: 503, description: 'Shopify is not configured, or down with nothing cached' },
      ],
      handler: async ({ params }) => ({ body: await s.orders.customerOrders(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/shopify/exports',
      summary: 'Data exports made for customers/data_request (newest first)',
      tags,
      roles: Roles.admins,
      query: ExportsQuery,
      responses: [
        {
          status: 200,
          description: 'A page of exports',
          schema: page(DataExportSummary, 'ShopifyDataExportPage'),
        },
      ],
      handler: async ({ query }) => {
        const result = await s.compliance.listExports(query);
        return { body: { data: result.data.map(toExportDto), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/shopify/exports/:id',
      summary: 'Download one export bundle (customer, tickets, messages, orders) as JSON',
      tags,
      roles: Roles.admins,
      params: IdParams,
      responses: [
        { status: 200, description: 'The bundle', schema: z.record(z.string(), z.unknown()) },
        { status: 404, description: 'No such export' },
      ],
      handler: async ({ params }) => {
        const { row, bundle } = await s.compliance.exportBundle(params.id);
        return {
          raw: JSON.stringify(bundle, null, 2),
          contentType: 'application/json',
          headers: {
            'Content-Disposition': `attachment; filename="shopify-data-request-${row.data_request_id}.json"`,
            'Cache-Control': 'no-store',
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/shopify/compliance/audit',
      summary: 'Audit trail of Shopify compliance requests (data requests and erasures)',
      tags,
      roles: Roles.admins,
      query: ExportsQuery,
      responses: [
        {
          status: 200,
          description: 'A page of entries',
          schema: page(ComplianceEntry, 'ShopifyCompliancePage'),
        },
      ],
      handler: async ({ query }) => {
        const result = await s.compliance.listAudit(query);
        return { body: { data: result.data.map(toAuditDto), nextCursor: result.nextCursor } };
      },
    }),
  ];
}
