import type { DataSource, EntityManager } from 'typeorm';
import { DateTime } from 'luxon';
import { ValidationError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { Redis, RedisKeys } from '../../../platform/redis/redis';
import type { Actor } from '../../../platform/security/actor';
import { SlackCallError, type SlackApi, type SlackChannel, type SlackFailure } from './slack.client';
import type { SlackConfig } from './slack.config';
import { SlackNotConfiguredError, SlackUpstreamError } from './slack.errors';
import { findMentionedAgents } from './slack.mentions';
import {
  batchMessage,
  churnRiskLine,
  escapeMrkdwn,
  mentionLine,
  slaBreachLine,
  slaWarningLine,
  summaryMessage,
  ticketReplyLine,
  urgentTicketLine,
  type RenderOptions,
  type SlackMessage,
} from './slack.messages';
import type { SlackMetrics } from './slack.metrics';
import type { NewNotification, PendingNotification, SlackRepository } from './slack.repository';
import type { SlackThrottle } from './slack.throttle';
import type { DailySummarySource, NotificationKind, SlackAlertJob } from './slack.types';

export interface SlackServiceOptions extends RenderOptions {
  slack: SlackConfig;
}

/** The dedupe key of an alert: one notification per ticket, target and kind. */
export function alertKey(job: SlackAlertJob): string {
  switch (job.kind) {
    case 'sla_breach':
    case 'sla_warning':
      // A ticket breaches first response and resolution once; next reply once per due time.
      return job.target === 'next_reply'
        ? `${job.kind}:${job.ticketId}:${job.target}:${new Date(job.dueAt).toISOString()}`
        : `${job.kind}:${job.ticketId}:${job.target}`;
    case 'urgent_ticket':
      return `urgent_ticket:${job.ticketId}`;
    case 'churn_risk':
      return `churn_risk:${job.ticketId}`;
    case 'mention':
      return `mention:${job.messageId}`;
  }
}

/** Exponential backoff with a little jitter, capped at ten minutes. */
export function backoffMs(baseMs: number, attempt: number): number {
  const exp = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 600_000);
  return Math.round(exp * (1 + Math.random() * 0.2));
}

type FlushOutcome =
  | { type: 'empty' }
  | { type: 'wait'; ms: number }
  | { type: 'sent'; count: number; kinds: NotificationKind[] }
  | { type: 'platform'; error: string; count: number; kinds: NotificationKind[] }
  | { type: 'retry'; ms: number; attempts: number; message: string };

export interface FlushResult {
  outcome: FlushOutcome['type'];
  count?: number;
}

/**
 * Slack notifications through a Postgres outbox:
 * 1. an alert job renders a notification and records it once (unique dedupe key), pending;
 * 2. it schedules one flush of the notification's channel (a Redis marker dedupes the burst);
 * 3. the flush locks the channel's pending rows, takes the channel's posting slot (one per
 *    interval, held for Retry-After after a 429), posts them as ONE message, and marks them sent
 *    in the same transaction. Until the post succeeds the rows stay pending, so a crash or a
 *    restart loses nothing (a crash between the post and the commit can repeat one message).
 * Platform errors fail the rows at once (logged once per channel and error, counted); network
 * errors and 5xx are retried with backoff up to `maxAttempts`.
 */
export class SlackService {
  private readonly warned = new Set<string>();

  constructor(
    private readonly db: DataSource,
    private readonly repo: SlackRepository,
    private readonly api: SlackApi | null,
    private readonly throttle: SlackThrottle,
    private readonly queues: QueueService,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly summaries: DailySummarySource,
    private readonly metrics: SlackMetrics,
    private readonly opts: SlackServiceOptions,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.api !== null;
  }

  private get cfg(): SlackConfig {
    return this.opts.slack;
  }

  private requireApi(): SlackApi {
    if (!this.api) throw new SlackNotConfiguredError();
    return this.api;
  }

  // --- Alerts (the `slack.alert` job) -------------------------------------------------------

  /** Renders an alert and records it once; returns how many notifications were queued. */
  async recordAlert(job: SlackAlertJob): Promise<{ queued: number }> {
    if (!this.enabled) return { queued: 0 };
    if (job.kind === 'mention') return this.recordMention(job.ticketId, job.messageId);
    const channel =
      job.kind === 'urgent_ticket' || job.kind === 'churn_risk'
        ? this.cfg.urgentChannel
        : this.cfg.alertChannel;
    if (!channel) {
      this.warnOnce('no-channel', `Slack alert (${job.kind}) skipped: set SLACK_ALERT_CHANNEL`);
      return { queued: 0 };
    }
    const ticket = await this.repo.ticketContext({ id: job.ticketId });
    if (!ticket) return { queued: 0 };
    const text =
      job.kind === 'sla_breach'
        ? slaBreachLine(ticket, job, this.opts)
        : job.kind === 'sla_warning'
          ? slaWarningLine(ticket, job, this.opts)
          : job.kind === 'urgent_ticket'
            ? urgentTicketLine(ticket, this.opts)
            : churnRiskLine(ticket, job, this.opts);
    const id = await this.queueNotification({
      dedupeKey: alertKey(job),
      kind: job.kind,
      channel,
      ticketId: ticket.id,
      text,
    });
    return { queued: id ? 1 : 0 };
  }

  /** One notification per agent mentioned in an internal note: a direct message when Slack knows them. */
  private async recordMention(ticketId: string, messageId: string): Promise<{ queued: number }> {
    const note = await this.repo.noteForMentions(messageId);
    if (!note || !note.internal || !note.body.includes('@')) return { queued: 0 };
    const agents = await this.repo.activeAgents();
    const mentioned = findMentionedAgents(note.body, agents).filter((id) => id !== note.agentId);
    if (mentioned.length === 0) return { queued: 0 };
    const ticket = await this.repo.ticketContext({ id: ticketId });
    if (!ticket) return { queued: 0 };
    let queued = 0;
    for (const agentId of mentioned) {
      const agent = agents.find((a) => a.id === agentId);
      if (!agent) continue;
      const slackUserId = await this.slackUserFor(agent.email);
      const channel = slackUserId ?? this.cfg.alertChannel;
      if (!channel) continue;
      const id = await this.queueNotification({
        dedupeKey: `mention:${messageId}:${agentId}`,
        kind: 'mention',
        channel,
        ticketId,
        text: mentionLine(
          ticket,
          { slackUserId, agentName: agent.name, authorName: note.authorName, excerpt: note.body },
          this.opts,
        ),
      });
      if (id) queued += 1;
    }
    return { queued };
  }

  /** The Slack user id for an agent's email (users.lookupByEmail), cached a day (an hour when unknown). */
  private async slackUserFor(email: string): Promise<string | null> {
    const key = this.keys.key('slack', 'user', email);
    const cached = await this.redis.get(key);
    if (cached !== null) return cached === '-' ? null : cached;
    let id: string | null = null;
    try {
      id = await this.requireApi().lookupUserByEmail(email);
    } catch (err) {
      if (!(err instanceof SlackCallError) || err.failure.type !== 'platform') throw err; // retried by the job
      this.countPlatformError(err.failure.error, 'users.lookupByEmail');
      return null;
    }
    await this.redis.set(key, id ?? '-', 'EX', id ? 86_400 : 3_600);
    return id;
  }

  // --- Manual messages, channels, summary ---------------------------------------------------

  async notify(
    actor: Actor,
    input: { channel?: string; text: string },
  ): Promise<{ id: string; channel: string }> {
    this.requireApi();
    const channel = input.channel ?? this.cfg.alertChannel;
    if (!channel)
      throw new ValidationError('No channel given and SLACK_ALERT_CHANNEL is not set', [
        { field: 'body.channel', message: 'is required when no alert channel is configured' },
      ]);
    const id = await this.queueNotification({
      dedupeKey: `manual:${actor.id}:${Date.now()}:${Math.random().toString(36).slice(2, 10)}`,
      kind: 'manual',
      channel,
      ticketId: null,
      text: escapeMrkdwn(input.text),
    });
    return { id: id ?? '', channel };
  }

  /** The workspace's channels the bot can see (cached for a minute: the method is rate limited). */
  async listChannels(): Promise<SlackChannel[]> {
    const api = this.requireApi();
    const key = this.keys.key('slack', 'channels');
    const cached = await this.redis.get(key);
    if (cached) return JSON.parse(cached) as SlackChannel[];
    try {
      const channels = await api.listChannels(1000);
      await this.redis.set(key, JSON.stringify(channels), 'EX', 60);
      return channels;
    } catch (err) {
      if (!(err instanceof SlackCallError)) throw err;
      const f = err.failure;
      if (f.type === 'platform') {
        this.countPlatformError(f.error, 'conversations.list');
        throw new SlackUpstreamError(`Slack refused to list channels: ${f.error}`);
      }
      if (f.type === 'rate_limited')
        throw new SlackUpstreamError(
          'Slack is rate limiting channel lists; try again shortly',
          Math.ceil(f.retryAfterMs / 1000),
        );
      throw new SlackUpstreamError('Slack could not be reached');
    }
  }

  /** The daily summary since the previous one (24 h on the first run), to the alert channel. */
  async sendDailySummary(now = new Date()): Promise<{ queued: number }> {
    if (!this.enabled) return { queued: 0 };
    const channel = this.cfg.alertChannel;
    if (!channel) {
      this.warnOnce('no-channel', 'Slack daily summary skipped: set SLACK_ALERT_CHANNEL');
      return { queued: 0 };
    }
    const last = await this.repo.lastSummaryAt();
    const week = 7 * 86_400_000;
    const from =
      last && now.getTime() - last.getTime() < week && last < now
        ? last
        : new Date(now.getTime() - 86_400_000);
    const summary = await this.summaries.summarize(from, now);
    const message = summaryMessage(summary, this.opts);
    const day =
      DateTime.fromJSDate(now).setZone(this.opts.timezone).toISODate() ?? now.toISOString().slice(0, 10);
    const id = await this.queueNotification({
      dedupeKey: `daily_summary:${day}`,
      kind: 'daily_summary',
      channel,
      ticketId: null,
      text: message.text,
      blocks: message.blocks,
    });
    return { queued: id ? 1 : 0 };
  }

  /** An app mention naming tickets (`#123`) gets a threaded reply with each ticket's state and link. */
  async replyToMention(
    eventId: string,
    event: { channel: string; ts: string; threadTs?: string; text: string },
  ): Promise<{ queued: number }> {
    if (!this.enabled) return { queued: 0 };
    const numbers = [...new Set([...event.text.matchAll(/#(\d{1,12})\b/g)].map((m) => Number(m[1])))].slice(
      0,
      5,
    );
    let queued = 0;
    for (const number of numbers) {
      const ticket = await this.repo.ticketContext({ number });
      if (!ticket) continue;
      const id = await this.queueNotification({
        dedupeKey: `event:${eventId}:${number}`,
        kind: 'event_reply',
        channel: event.channel,
        threadTs: event.threadTs ?? event.ts,
        ticketId: ticket.id,
        text: ticketReplyLine(ticket, this.opts),
      });
      if (id) queued += 1;
    }
    return { queued };
  }

  // --- The outbox ---------------------------------------------------------------------------

  /** Records a notification once and schedules its channel's flush; null when it was a duplicate. */
  private async queueNotification(n: NewNotification): Promise<string | null> {
    const id = await this.repo.insertNotification(n);
    this.metrics.notifications.inc({ kind: n.kind, outcome: id ? 'queued' : 'duplicate' });
    if (!id) return null;
    const wait = await this.throttle.waitMs(n.channel);
    await this.scheduleFlush(n.channel, Math.max(wait, this.cfg.batchWindowMs));
    return id;
  }

  /** Schedules a flush of the channel unless one is already scheduled. */
  async scheduleFlush(channel: string, delayMs: number): Promise<void> {
    // The marker outlives the delay so a burst schedules one job; if the job is lost anyway, the
    // marker expires and the sweep (or the next alert) schedules another.
    if (!(await this.throttle.markScheduled(channel, delayMs + 30_000))) return;
    try {
      await this.queues.add(
        'slack.flush',
        { channel },
        { delay: Math.max(0, Math.round(delayMs)), removeOnComplete: true, removeOnFail: 100 },
      );
    } catch (err) {
      await this.throttle.clearScheduled(channel).catch(() => undefined);
      throw err;
    }
  }

  /** Posts the channel's next batch of pending notifications (the `slack.flush` job). */
  async flush(channel: string): Promise<FlushResult> {
    // From here on a new notification schedules a new flush: rows it adds before our claim are
    // ours, rows after it are the next flush's.
    await this.throttle.clearScheduled(channel);
    const api = this.api;
    if (!api) return { outcome: 'empty' };
    const outcome = await this.db.transaction(async (tx): Promise<FlushOutcome> => {
      const rows = await this.repo.claimBatch(tx, channel, this.cfg.batchMax);
      if (rows.length === 0) return { type: 'empty' };
      const wait = await this.throttle.tryAcquire(channel);
      if (wait > 0) return { type: 'wait', ms: wait };
      const ids = rows.map((r) => r.id);
      const kinds = rows.map((r) => r.kind);
      const message = composeMessage(rows);
      try {
        const res = await api.postMessage({ channel, ...message, threadTs: rows[0]?.threadTs ?? undefined });
        await this.repo.markSent(tx, ids, res.ts);
        return { type: 'sent', count: rows.length, kinds };
      } catch (err) {
        if (!(err instanceof SlackCallError)) throw err;
        return this.failedPost(tx, channel, ids, kinds, err.failure);
      }
    });

    switch (outcome.type) {
      case 'empty':
        return { outcome: 'empty' };
      case 'wait':
        await this.scheduleFlush(channel, outcome.ms);
        return { outcome: 'wait' };
      case 'sent':
        this.metrics.messagesPosted.inc();
        for (const kind of outcome.kinds) this.metrics.notifications.inc({ kind, outcome: 'sent' });
        if (await this.repo.hasPending(channel))
          await this.scheduleFlush(channel, await this.throttle.waitMs(channel));
        return { outcome: 'sent', count: outcome.count };
      case 'platform':
        for (const kind of outcome.kinds) this.metrics.notifications.inc({ kind, outcome: 'failed' });
        if (await this.repo.hasPending(channel))
          await this.scheduleFlush(channel, await this.throttle.waitMs(channel));
        return { outcome: 'platform', count: outcome.count };
      case 'retry':
        this.logger.warn(
          { channel, attempts: outcome.attempts, retryInMs: outcome.ms, error: outcome.message },
          'Slack post failed; will retry',
        );
        await this.scheduleFlush(channel, outcome.ms);
        return { outcome: 'retry' };
    }
  }

  private async failedPost(
    tx: EntityManager,
    channel: string,
    ids: string[],
    kinds: NotificationKind[],
    f: SlackFailure,
  ): Promise<FlushOutcome> {
    switch (f.type) {
      case 'platform':
        // Retrying cannot help (unknown channel, bot not invited, bad token…): fail these rows.
        await this.repo.markFailed(tx, ids, f.error);
        this.countPlatformError(f.error, 'chat.postMessage', channel);
        return { type: 'platform', error: f.error, count: ids.length, kinds };
      case 'rate_limited':
        // Nothing goes to this channel before Retry-After; the rows wait, no attempt is counted.
        this.metrics.rateLimited.inc();
        await this.throttle.pause(channel, f.retryAfterMs);
        this.logger.info(
          { channel, retryAfterMs: f.retryAfterMs },
          'Slack rate limited the channel; pausing it',
        );
        return { type: 'wait', ms: f.retryAfterMs };
      case 'transient': {
        this.metrics.transientErrors.inc();
        const attempts = await this.repo.recordAttempt(tx, ids, f.message, this.cfg.maxAttempts);
        if (attempts >= this.cfg.maxAttempts) {
          this.logger.error(
            { channel, attempts, error: f.message, notifications: ids.length },
            'Slack post kept failing; notifications marked failed',
          );
          for (const kind of kinds) this.metrics.notifications.inc({ kind, outcome: 'failed' });
          return { type: 'empty' };
        }
        return { type: 'retry', ms: backoffMs(this.cfg.retryBaseMs, attempts), attempts, message: f.message };
      }
    }
  }

  /** Re-schedules flushes for channels whose rows have waited too long (a lost flush job). */
  async sweep(): Promise<{ channels: number }> {
    if (!this.enabled) return { channels: 0 };
    const channels = await this.repo.staleChannels(this.cfg.batchWindowMs + 30_000);
    for (const channel of channels) await this.scheduleFlush(channel, await this.throttle.waitMs(channel));
    return { channels: channels.length };
  }

  // --- Errors -------------------------------------------------------------------------------

  private countPlatformError(error: string, method: string, channel?: string): void {
    this.metrics.platformErrors.inc({ error });
    const hint = platformHints[error] ?? 'see https://api.slack.com/methods for the error';
    const message = `Slack ${method} failed with "${error}"${channel ? ` for channel ${channel}` : ''}: ${hint}`;
    if (this.warnOnce(`platform:${error}:${channel ?? ''}`, message, { error, method, channel }, 'error'))
      return;
    this.logger.debug({ error, method, channel }, 'Slack platform error (already reported)');
  }

  /** Logs a message the first time only; true when it was logged now. */
  private warnOnce(
    key: string,
    message: string,
    fields: object = {},
    level: 'warn' | 'error' = 'warn',
  ): boolean {
    if (this.warned.has(key)) return false;
    this.warned.add(key);
    this.logger[level](fields, message);
    return true;
  }
}

const platformHints: Record<string, string> = {
  channel_not_found: 'the channel does not exist or the bot cannot see it; check the channel id/name',
  not_in_channel: 'invite the bot to the channel (/invite @YourApp)',
  is_archived: 'the channel is archived; pick another channel',
  invalid_auth: 'SLACK_BOT_TOKEN is not valid',
  token_revoked: 'SLACK_BOT_TOKEN was revoked; reinstall the app and update the token',
  account_inactive: 'the bot user or workspace is inactive; reinstall the app',
  missing_scope: 'the app lacks an OAuth scope (chat:write, channels:read, groups:read, users:read.email)',
  msg_too_long: 'the message was too long',
  users_not_found: 'no Slack user has this email',
};

function composeMessage(rows: PendingNotification[]): SlackMessage {
  const first = rows[0];
  if (rows.length === 1 && first?.blocks) return { text: first.text, blocks: first.blocks };
  return batchMessage(rows);
}
