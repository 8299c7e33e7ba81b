import { z } from 'zod';

/*
 * Our Gorgias routes' request and response shapes, and the bodies our Gorgias HTTP integrations
 * send (see README). Webhook bodies are rendered from templates, so they are read leniently: ids
 * may arrive as numbers or digit strings, booleans as true/false or "True"/"False".
 */

const gorgiasId = z.union([
  z.number().int().positive(),
  z
    .string()
    .trim()
    .regex(/^\d{1,18}$/, 'must be a Gorgias id')
    .transform(Number),
]);

const templated = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v === '' || v === 'None' ? null : v));

const templatedBool = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])])
  .nullish()
  .transform((v) => (v === undefined || v === null ? null : v === true || v === 'true' || v === 'True'));

export const WebhookTicket = z
  .looseObject({
    id: gorgiasId,
    status: templated,
    subject: templated,
    updated_datetime: templated,
  })
  .meta({ id: 'GorgiasWebhookTicket' });

export const WebhookMessage = z
  .looseObject({
    id: gorgiasId,
    channel: templated,
    from_agent: templatedBool,
    public: templatedBool,
    body_text: templated,
    body_html: templated,
    created_datetime: templated,
    sent_datetime: templated,
  })
  .meta({ id: 'GorgiasWebhookMessage' });

export const TicketCreatedBody = z.looseObject({ ticket: WebhookTicket }).meta({
  id: 'GorgiasTicketCreatedWebhook',
  description: 'What the "ticket-created" HTTP integration sends: at least `{"ticket": {"id": …}}`.',
});

export const MessageCreatedBody = z.looseObject({ ticket: WebhookTicket, message: WebhookMessage }).meta({
  id: 'GorgiasMessageCreatedWebhook',
  description:
    'What the "ticket-message-created" HTTP integration sends: at least `{"ticket": {"id": …}, "message": {"id": …}}`.',
});

export type TicketCreatedPayload = z.output<typeof TicketCreatedBody>;
export type MessageCreatedPayload = z.output<typeof MessageCreatedBody>;
export type WebhookMessagePayload = z.output<typeof WebhookMessage>;

export const WebhookAccepted = z
  .object({ accepted: z.boolean(), duplicate: z.boolean() })
  .meta({ id: 'GorgiasWebhookAccepted' });

export const SyncStarted = z
  .object({
    jobId: z.string().meta({ description: 'Poll GET /api/jobs/:id for progress' }),
    resumed: z.boolean().meta({ description: 'Continues an interrupted import from its saved cursor' }),
    joined: z.boolean().meta({ description: 'An import was already running; this is its job' }),
  })
  .meta({ id: 'GorgiasSyncStarted' });

export const GorgiasLink = z
  .object({ url: z.url(), gorgiasTicketId: z.number().int() })
  .meta({ id: 'GorgiasLink' });
