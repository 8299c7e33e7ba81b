import type { KnownBlock } from '@slack/web-api';
import { DateTime } from 'luxon';
import type { SlaTarget } from '../../../platform/events/domain-events';
import type { DailySummary, NotificationKind } from './slack.types';

/**
 * Pure renderers: a notification becomes one mrkdwn line (stored with its row), and a channel's
 * pending lines become one message (a short list when several piled up).
 */

export interface TicketContext {
  id: string;
  number: number;
  subject: string;
  priority: string;
  assigneeName: string | null;
  customerName: string | null;
}

export interface RenderOptions {
  appUrl: string;
  timezone: string;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Slack's mrkdwn control characters; everything user-written is escaped before it is embedded. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function ticketUrl(appUrl: string, ticketId: string): string {
  return `${appUrl.replace(/\/+$/, '')}/tickets/${ticketId}`;
}

export function ticketLink(t: TicketContext, opts: RenderOptions): string {
  const label = `#${t.number} ${truncate(oneLine(t.subject), 120)}`;
  // A link label may not contain '|' or '>'; escaping handles '>' and '<'.
  return `<${ticketUrl(opts.appUrl, t.id)}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

export const targetLabels: Record<SlaTarget, string> = {
  first_response: 'first response',
  next_reply: 'next reply',
  resolution: 'resolution',
};

export function formatTime(iso: string, timezone: string): string {
  const dt = DateTime.fromISO(iso, { zone: 'utc' }).setZone(timezone);
  return dt.isValid ? dt.toFormat('ccc d LLL HH:mm ZZZZ') : iso;
}

const assignee = (t: TicketContext) =>
  t.assigneeName ? `assignee: ${escapeMrkdwn(t.assigneeName)}` : 'assignee: *unassigned*';

export function slaBreachLine(
  t: TicketContext,
  b: { target: SlaTarget; dueAt: string; breachedAt: string },
  opts: RenderOptions,
): string {
  return [
    `:rotating_light: *SLA breached* ${ticketLink(t, opts)}`,
    `priority *${t.priority}*`,
    `${targetLabels[b.target]} was due ${formatTime(b.dueAt, opts.timezone)}, breached ${formatTime(b.breachedAt, opts.timezone)}`,
    assignee(t),
  ].join(' · ');
}

export function slaWarningLine(
  t: TicketContext,
  w: { target: SlaTarget; dueAt: string },
  opts: RenderOptions,
): string {
  return [
    `:warning: *SLA at risk* ${ticketLink(t, opts)}`,
    `priority *${t.priority}*`,
    `${targetLabels[w.target]} due ${formatTime(w.dueAt, opts.timezone)}`,
    assignee(t),
  ].join(' · ');
}

export function urgentTicketLine(t: TicketContext, opts: RenderOptions): string {
  return [
    `:fire: *Urgent ticket* ${ticketLink(t, opts)}`,
    `priority *${t.priority}*`,
    ...(t.customerName ? [`customer: ${escapeMrkdwn(t.customerName)}`] : []),
    assignee(t),
  ].join(' · ');
}

export function churnRiskLine(
  t: TicketContext,
  risk: { riskLevel: string; probability?: number },
  opts: RenderOptions,
): string {
  const pct = risk.probability !== undefined ? ` (${Math.round(risk.probability * 100)}%)` : '';
  return [
    `:chart_with_downwards_trend: *High churn-risk customer opened a ticket* ${ticketLink(t, opts)}`,
    `priority *${t.priority}*`,
    `churn risk *${risk.riskLevel}*${pct}`,
    ...(t.customerName ? [`customer: ${escapeMrkdwn(t.customerName)}`] : []),
    assignee(t),
  ].join(' · ');
}

export function mentionLine(
  t: TicketContext,
  m: { slackUserId: string | null; agentName: string; authorName: string | null; excerpt: string },
  opts: RenderOptions,
): string {
  const who = m.slackUserId ? `<@${m.slackUserId}>` : `*${escapeMrkdwn(m.agentName)}*`;
  const by = m.authorName ? escapeMrkdwn(m.authorName) : 'Someone';
  return `:speech_balloon: ${who} ${by} mentioned you in an internal note on ${ticketLink(t, opts)} · priority *${t.priority}*\n>${escapeMrkdwn(truncate(oneLine(m.excerpt), 280))}`;
}

export function ticketReplyLine(t: TicketContext & { status: string }, opts: RenderOptions): string {
  return [`${ticketLink(t, opts)}`, `status *${t.status}*`, `priority *${t.priority}*`, assignee(t)].join(
    ' · ',
  );
}

const kindTitles: Partial<Record<NotificationKind, string>> = {
  sla_breach: 'SLA breaches',
  sla_warning: 'SLA warnings',
  urgent_ticket: 'urgent tickets',
  churn_risk: 'churn-risk tickets',
};

/**
 * One message for a channel's pending lines: the line itself when alone, else a short list with a
 * count. The text fallback (notifications, screen readers) carries every line too.
 */
export function batchMessage(items: Array<{ kind: NotificationKind; text: string }>): SlackMessage {
  if (items.length === 1) {
    const text = items[0]?.text ?? '';
    return { text, blocks: [section(text)] };
  }
  const kinds = [...new Set(items.map((i) => i.kind))];
  const title =
    kinds.length === 1 && kinds[0] && kindTitles[kinds[0]]
      ? `${items.length} ${kindTitles[kinds[0]]}`
      : `${items.length} alerts`;
  const blocks: KnownBlock[] = [section(`*${title}*`), ...items.map((i) => section(i.text))];
  return { text: [`${title}:`, ...items.map((i) => i.text)].join('\n'), blocks };
}

export function summaryMessage(s: DailySummary, opts: RenderOptions): SlackMessage {
  const day = DateTime.fromJSDate(s.to).setZone(opts.timezone).toFormat('cccc d LLLL');
  const since = DateTime.fromJSDate(s.from).setZone(opts.timezone).toFormat('ccc d LLL HH:mm');
  const compliance = s.sla.compliance === null ? 'n/a' : `${Math.round(s.sla.compliance * 1000) / 10}%`;
  const top =
    s.topAgents.length === 0
      ? 'nobody resolved a ticket'
      : s.topAgents.map((a, i) => `${i + 1}. ${escapeMrkdwn(a.name)} (${a.resolved})`).join('  ');
  const lines = [
    `*Volume*: ${s.created} new, ${s.resolved} resolved`,
    `*Backlog*: ${s.backlog.open} open (${s.backlog.unassigned} unassigned, ${s.backlog.urgent} urgent)`,
    `*SLA*: ${s.sla.breaches} breaches; compliance ${compliance} of resolved tickets`,
    `*Top agents*: ${top}`,
  ];
  const title = `:bar_chart: Support summary for ${day} (since ${since})`;
  return {
    text: [title, ...lines].join('\n'),
    blocks: [section(`*${title}*`), section(lines.join('\n'))],
  };
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 2900) } };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
