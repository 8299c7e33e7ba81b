import { z } from 'zod';

export const NotifyBody = z
  .object({
    channel: z
      .string()
      .trim()
      .regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CGDUW][A-Z0-9]{2,})$/, 'must be a channel id (C0123…) or #name')
      .optional(),
    text: z.string().trim().min(1).max(3000),
  })
  .strict()
  .meta({ id: 'SlackNotifyInput' });
export type NotifyInput = z.infer<typeof NotifyBody>;

export const NotifyResult = z
  .object({ id: z.string(), channel: z.string(), status: z.literal('pending') })
  .meta({ id: 'SlackNotifyResult' });

export const SlackChannelList = z
  .object({
    channels: z.array(
      z.object({ id: z.string(), name: z.string(), isPrivate: z.boolean(), isMember: z.boolean() }),
    ),
  })
  .meta({ id: 'SlackChannelList' });

/**
 * An Events API delivery. Only its envelope is described here: the signature is checked over the
 * raw bytes first, then the envelope is parsed (`SlackEnvelope`).
 */
export const SlackEventsBody = z
  .looseObject({
    type: z.string().optional(),
    challenge: z.string().optional(),
    event_id: z.string().optional(),
    event: z.looseObject({}).optional(),
  })
  .meta({ id: 'SlackEventEnvelope' });

export const SlackEnvelope = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string().min(1).max(500) }),
  z.looseObject({
    type: z.literal('event_callback'),
    event_id: z.string().min(1).max(100),
    team_id: z.string().optional(),
    event: z.looseObject({ type: z.string() }),
  }),
  z.looseObject({ type: z.literal('app_rate_limited') }),
]);
export type SlackEnvelopeInput = z.infer<typeof SlackEnvelope>;

/** The part of an `app_mention` event the CRM reads. */
export const AppMentionEvent = z.looseObject({
  type: z.literal('app_mention'),
  channel: z.string(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  text: z.string().default(''),
  bot_id: z.string().optional(),
});
