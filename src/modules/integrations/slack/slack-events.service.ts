import { ValidationError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { SlackConfig } from './slack.config';
import { SlackNotConfiguredError, SlackSignatureError } from './slack.errors';
import type { SlackRepository } from './slack.repository';
import { AppMentionEvent, SlackEnvelope } from './slack.schemas';
import type { SlackService } from './slack.service';
import { verifySlackSignature } from './slack.signature';

export interface SlackDelivery {
  timestamp?: string;
  signature?: string;
  retryNum?: string;
  rawBody: Buffer | undefined;
  body: unknown;
}

export type SlackDeliveryReply = { challenge: string } | { ok: true; duplicate?: boolean };

/**
 * The Events API endpoint: verify the signature over the raw bytes, answer url_verification,
 * record the event id (Slack retries a delivery it did not see answered within 3 s, with
 * X-Slack-Retry-Num) and enqueue it. Nothing is processed inline.
 */
export class SlackEventsService {
  constructor(
    private readonly cfg: SlackConfig,
    private readonly repo: SlackRepository,
    private readonly queues: QueueService,
    private readonly slack: SlackService,
    private readonly logger: Logger,
  ) {}

  async receive(d: SlackDelivery): Promise<SlackDeliveryReply> {
    if (!this.cfg.enabled) throw new SlackNotConfiguredError();
    if (!this.cfg.signingSecret) throw new SlackNotConfiguredError('SLACK_SIGNING_SECRET');
    const check = verifySlackSignature(
      this.cfg.signingSecret,
      { timestamp: d.timestamp, signature: d.signature },
      d.rawBody ?? Buffer.alloc(0),
    );
    if (!check.ok) throw new SlackSignatureError(check.reason);

    const parsed = SlackEnvelope.safeParse(d.body);
    if (!parsed.success)
      throw new ValidationError(
        'Not a Slack Events API payload this endpoint handles',
        parsed.error.issues.map((i) => ({ field: `body.${i.path.join('.')}`, message: i.message })),
      );
    const envelope = parsed.data;
    if (envelope.type === 'url_verification') return { challenge: envelope.challenge };
    if (envelope.type === 'app_rate_limited') {
      this.logger.warn('Slack reports that this app exceeded the Events API rate limit');
      return { ok: true };
    }

    const retryNum = d.retryNum !== undefined && /^\d+$/.test(d.retryNum) ? Number(d.retryNum) : null;
    const { isNew, processed } = await this.repo.recordEvent(
      envelope.event_id,
      envelope.event.type,
      envelope,
      retryNum,
    );
    // A retry of an event not yet processed re-enqueues it under the same job id: a no-op if the
    // first delivery's job is still there, a rescue if enqueueing it failed.
    if (isNew || !processed) {
      await this.queues.add(
        'slack.event',
        { eventId: envelope.event_id },
        { jobId: `slack-event:${envelope.event_id}` },
      );
    }
    return isNew ? { ok: true } : { ok: true, duplicate: true };
  }

  /** The `slack.event` job: acts on an event once. */
  async process(eventId: string): Promise<{ handled: string }> {
    const stored = await this.repo.findEvent(eventId);
    if (!stored || stored.processedAt) return { handled: 'already' };
    const event = (stored.payload as { event?: unknown }).event;
    const mention = AppMentionEvent.safeParse(event);
    let handled = 'ignored';
    if (mention.success && !mention.data.bot_id) {
      const { queued } = await this.slack.replyToMention(eventId, {
        channel: mention.data.channel,
        ts: mention.data.ts,
        threadTs: mention.data.thread_ts,
        text: mention.data.text,
      });
      handled = `app_mention:${queued}`;
    }
    await this.repo.markEventProcessed(eventId);
    return { handled };
  }
}
