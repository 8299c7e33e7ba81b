import { z } from 'zod';
import { IdParams } from '../../../platform/http/common.schemas';
import { defineRoute, defineWebhook, singleHeader, type AnyRoute } from '../../../platform/http/route';
import { parsePart } from '../../../platform/http/validation';
import { Roles } from '../../../platform/security/actor';
import type { GorgiasImportService } from './gorgias-import.service';
import type { GorgiasWebhooksService } from './gorgias-webhooks.service';
import {
  GorgiasLink,
  MessageCreatedBody,
  SyncStarted,
  TicketCreatedBody,
  WebhookAccepted,
} from './gorgias.schemas';
import type { GorgiasService } from './gorgias.service';

const tags = ['Gorgias'];

/**
 * Webhook bodies are validated only after the secret is checked (a stranger learns nothing about
 * our schema); this permissive schema is what the router sees and the OpenAPI document shows.
 */
const documentedBody = (schema: z.ZodType, description: string) =>
  z
    .looseObject({ ticket: z.unknown(), message: z.unknown() })
    .partial()
    .meta({
      description: `${description} Checked after X-Webhook-Secret; see ${String(schema.meta()?.id)}.`,
    });

export function gorgiasRoutes(
  importer: GorgiasImportService,
  webhooks: GorgiasWebhooksService,
  gorgias: GorgiasService,
): AnyRoute[] {
  const unavailable = { status: 503, description: 'Gorgias is not configured' };
  const unauthorized = { status: 401, description: 'Missing or wrong X-Webhook-Secret' };
  return [
    defineRoute({
      method: 'post',
      path: '/api/gorgias/sync/tickets',
      summary: 'Import every Gorgias ticket with its messages (a job; re-running updates, never duplicates)',
      tags,
      roles: Roles.leads,
      responses: [
        { status: 202, description: 'Import started (or joined)', schema: SyncStarted },
        unavailable,
      ],
      handler: async ({ actor }) => ({ status: 202, body: await importer.start(actor) }),
    }),
    defineWebhook({
      path: '/api/gorgias/webhooks/ticket-created',
      summary: 'Gorgias HTTP integration "ticket-created" (X-Webhook-Secret)',
      tags,
      body: documentedBody(TicketCreatedBody, '`{"ticket": {"id": …}}`.'),
      responses: [
        { status: 200, description: 'Accepted (or a repeat, ignored)', schema: WebhookAccepted },
        unauthorized,
        unavailable,
      ],
      receive: async ({ headers, body }) => {
        webhooks.verify(singleHeader(headers, 'x-webhook-secret'));
        return { body: await webhooks.accept('ticket-created', parsePart(TicketCreatedBody, body, 'body')) };
      },
    }),
    defineWebhook({
      path: '/api/gorgias/webhooks/ticket-message-created',
      summary: 'Gorgias HTTP integration "ticket-message-created" (X-Webhook-Secret)',
      tags,
      body: documentedBody(MessageCreatedBody, '`{"ticket": {"id": …}, "message": {"id": …}}`.'),
      responses: [
        { status: 200, description: 'Accepted (or a repeat, ignored)', schema: WebhookAccepted },
        unauthorized,
        unavailable,
      ],
      receive: async ({ headers, body }) => {
        webhooks.verify(singleHeader(headers, 'x-webhook-secret'));
        return {
          body: await webhooks.accept('ticket-message-created', parsePart(MessageCreatedBody, body, 'body')),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tickets/:id/gorgias-link',
      summary: "The ticket's page in Gorgias",
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The URL', schema: GorgiasLink },
        { status: 404, description: 'No such ticket, or it is not in Gorgias' },
        unavailable,
      ],
      handler: async ({ params }) => ({ body: await gorgias.ticketLink(params.id) }),
    }),
  ];
}
