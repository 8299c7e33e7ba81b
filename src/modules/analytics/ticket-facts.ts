import { addTo, bucketOf, type Histogram } from './histogram';

/**
 * What one ticket contributes to the daily rollups, as pure functions.
 *
 * The refresh job reads a changed ticket's raw rows (the ticket, its status changes, assignment
 * history, agent messages and SLA outcomes, with days already cut in APP_TIMEZONE), turns them
 * into `TicketFacts`, and folds in the difference between these facts and the ones stored for
 * the ticket last time (its ledger row). Rollups are therefore always the sum of every live
 * ticket's facts, whatever order changes arrive in, and refolding an unchanged ticket is a no-op.
 *
 * Definitions (the README lists them for readers of the reports):
 * - created: the ticket's creation day. resolved: each move into solved/closed from an open
 *   status (a reopened ticket solved again counts again); its resolution time runs from creation.
 *   reopened: each move out of solved. The backlog changes by +1 created, −1 resolved, +1 reopened.
 * - first response: the ticket's `firstRespondedAt`, timed from creation, credited to the agent
 *   who wrote the first public agent message.
 * - SLA: the ticket's first-response and resolution outcomes (`ticket_slas`, on the day they were
 *   decided) and each next-reply clock's outcome; credited in the agent rollup to the ticket's
 *   assignee.
 * - agent work: assigned (manual, self, automatic), transferred in (transfers) and out (any end
 *   of an assignment by a move elsewhere), accepted, resolved (assignments completed by a solve,
 *   timed from the ticket's creation), reopened (a solved ticket of theirs came back), public
 *   replies and internal notes.
 * - repeat: the customer opened a ticket of the same category within the previous 7 days.
 * - segments: every ticket figure is also kept per assignee, channel, category, priority and
 *   customer tier, by the ticket's values now (a recategorised ticket moves its figures).
 */

export const segmentDimensions = ['all', 'assignee', 'channel', 'category', 'priority', 'tier'] as const;
export type SegmentDimension = (typeof segmentDimensions)[number];

export const slaCounters = [
  'slaFirstResponseMet',
  'slaFirstResponseBreached',
  'slaNextReplyMet',
  'slaNextReplyBreached',
  'slaResolutionMet',
  'slaResolutionBreached',
] as const;
const timingCounters = ['firstResponseCount', 'firstResponseMs', 'resolutionCount', 'resolutionMs'] as const;

export const segmentCounters = [
  'created',
  'resolved',
  'reopened',
  'openDelta',
  'repeats',
  ...timingCounters,
  ...slaCounters,
] as const;
export const agentCounters = [
  'assigned',
  'accepted',
  'transferredIn',
  'transferredOut',
  'resolved',
  'reopened',
  'publicReplies',
  'internalNotes',
  ...timingCounters,
  ...slaCounters,
] as const;
export type SegmentCounter = (typeof segmentCounters)[number];
export type AgentCounter = (typeof agentCounters)[number];
type SlaCounter = (typeof slaCounters)[number];

/** Ticket-level events: [kind, day, milliseconds]. */
export type TicketEventKind =
  | 'created'
  | 'resolved'
  | 'reopened'
  | 'firstResponse'
  | 'repeat'
  | 'slaFirstResponseMet'
  | 'slaFirstResponseBreached'
  | 'slaNextReplyMet'
  | 'slaNextReplyBreached'
  | 'slaResolutionMet'
  | 'slaResolutionBreached';
/** Agent-level events: [kind, day, agentId, amount (a count, or milliseconds for timings)]. */
export type AgentEventKind =
  | 'assigned'
  | 'accepted'
  | 'transferredIn'
  | 'transferredOut'
  | 'resolved'
  | 'reopened'
  | 'publicReplies'
  | 'internalNotes'
  | 'firstResponse';

export interface TicketSegments {
  assignee: string | null;
  channel: string;
  category: string | null;
  priority: string;
  tier: string;
}

/** What a live ticket contributes (stored as the ledger row's `facts`). */
export interface TicketFacts {
  seg: TicketSegments;
  ev: Array<[TicketEventKind, string, number]>;
  ag: Array<[AgentEventKind, string, string, number]>;
}

// --- raw rows, as the repository reads them (days are 'YYYY-MM-DD' in APP_TIMEZONE) ------------

export interface RawTicket {
  id: string;
  customerId: string;
  createdAt: Date;
  priority: string;
  channel: string;
  category: string | null;
  assigneeId: string | null;
  deleted: boolean;
  tier: string;
  createdDay: string;
  firstResponseDay: string | null;
  firstResponseMs: number | null;
  firstResponderId: string | null;
  repeat: boolean;
}
export interface RawStatusChange {
  ticketId: string;
  from: string | null;
  to: string;
  day: string;
  /** Since the ticket's creation. */
  ms: number;
}
export interface RawAssignment {
  ticketId: string;
  agentId: string;
  method: string;
  assignedDay: string;
  acceptedDay: string | null;
  completedDay: string | null;
  /** From the ticket's creation to completion. */
  completedMs: number | null;
  transferredDay: string | null;
}
export interface RawMessageCount {
  ticketId: string;
  agentId: string;
  internal: boolean;
  day: string;
  n: number;
}
export interface RawSlaOutcome {
  ticketId: string;
  firstResponseBreached: boolean;
  firstResponseDay: string | null;
  resolutionBreached: boolean;
  resolutionDay: string | null;
}
export interface RawNextReply {
  ticketId: string;
  breached: boolean;
  day: string;
}

export interface RawTicketRows {
  ticket: RawTicket;
  statusChanges: RawStatusChange[];
  assignments: RawAssignment[];
  messages: RawMessageCount[];
  sla: RawSlaOutcome | null;
  nextReplies: RawNextReply[];
}

const DONE = new Set(['solved', 'closed']);
const ASSIGNED_METHODS = new Set(['manual', 'self', 'auto']);

/** The facts of a ticket from its raw rows; null for a deleted ticket (it contributes nothing). */
export function buildFacts(raw: RawTicketRows): TicketFacts | null {
  const t = raw.ticket;
  if (t.deleted) return null;
  const ev: TicketFacts['ev'] = [['created', t.createdDay, 0]];
  const ag: TicketFacts['ag'] = [];
  if (t.repeat) ev.push(['repeat', t.createdDay, 0]);
  if (t.firstResponseDay !== null && t.firstResponseMs !== null) {
    const ms = Math.max(0, t.firstResponseMs);
    ev.push(['firstResponse', t.firstResponseDay, ms]);
    if (t.firstResponderId) ag.push(['firstResponse', t.firstResponseDay, t.firstResponderId, ms]);
  }
  for (const c of raw.statusChanges) {
    const wasDone = c.from !== null && DONE.has(c.from);
    const isDone = DONE.has(c.to);
    if (isDone && !wasDone) ev.push(['resolved', c.day, Math.max(0, c.ms)]);
    else if (wasDone && !isDone) ev.push(['reopened', c.day, 0]);
  }
  for (const a of raw.assignments) {
    if (a.method === 'transfer') ag.push(['transferredIn', a.assignedDay, a.agentId, 1]);
    else if (a.method === 'reopen') ag.push(['reopened', a.assignedDay, a.agentId, 1]);
    else if (ASSIGNED_METHODS.has(a.method)) ag.push(['assigned', a.assignedDay, a.agentId, 1]);
    if (a.acceptedDay) ag.push(['accepted', a.acceptedDay, a.agentId, 1]);
    if (a.transferredDay) ag.push(['transferredOut', a.transferredDay, a.agentId, 1]);
    if (a.completedDay) ag.push(['resolved', a.completedDay, a.agentId, Math.max(0, a.completedMs ?? 0)]);
  }
  for (const m of raw.messages) {
    ag.push([m.internal ? 'internalNotes' : 'publicReplies', m.day, m.agentId, m.n]);
  }
  const s = raw.sla;
  if (s?.firstResponseDay)
    ev.push([
      s.firstResponseBreached ? 'slaFirstResponseBreached' : 'slaFirstResponseMet',
      s.firstResponseDay,
      0,
    ]);
  if (s?.resolutionDay)
    ev.push([s.resolutionBreached ? 'slaResolutionBreached' : 'slaResolutionMet', s.resolutionDay, 0]);
  for (const nr of raw.nextReplies) {
    ev.push([nr.breached ? 'slaNextReplyBreached' : 'slaNextReplyMet', nr.day, 0]);
  }
  // A stable order, so unchanged facts compare equal when stored.
  ev.sort(compareTuples);
  ag.sort(compareTuples);
  return {
    seg: {
      assignee: t.assigneeId,
      channel: t.channel,
      category: t.category,
      priority: t.priority,
      tier: t.tier,
    },
    ev,
    ag,
  };
}

function compareTuples(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The days a ticket contributes to (the nightly recompute finds tickets by day). */
export function daysOf(f: TicketFacts | null): string[] {
  if (!f) return [];
  return [...new Set([...f.ev.map((e) => e[1]), ...f.ag.map((e) => e[1])])].sort();
}

// --- rollup deltas -------------------------------------------------------------------------------

export interface SegmentDelta {
  kind: 'segment';
  dimension: SegmentDimension;
  /** '' stands for "none" (no assignee, no category). */
  value: string;
  day: string;
  counters: Partial<Record<SegmentCounter, number>>;
  firstResponseHist: Histogram;
  resolutionHist: Histogram;
}
export interface AgentDelta {
  kind: 'agent';
  agentId: string;
  day: string;
  counters: Partial<Record<AgentCounter, number>>;
  firstResponseHist: Histogram;
  resolutionHist: Histogram;
}
export type RollupDelta = SegmentDelta | AgentDelta;

/** Sums of rollup changes, keyed by rollup row. */
export class RollupDeltas {
  readonly rows = new Map<string, RollupDelta>();

  private segment(dimension: SegmentDimension, value: string, day: string): SegmentDelta {
    const key = JSON.stringify(['s', dimension, value, day]);
    let row = this.rows.get(key);
    if (!row) {
      row = {
        kind: 'segment',
        dimension,
        value,
        day,
        counters: {},
        firstResponseHist: {},
        resolutionHist: {},
      };
      this.rows.set(key, row);
    }
    return row as SegmentDelta;
  }

  private agent(agentId: string, day: string): AgentDelta {
    const key = JSON.stringify(['a', agentId, day]);
    let row = this.rows.get(key);
    if (!row) {
      row = { kind: 'agent', agentId, day, counters: {}, firstResponseHist: {}, resolutionHist: {} };
      this.rows.set(key, row);
    }
    return row as AgentDelta;
  }

  /** Adds (sign 1) or takes away (sign −1) everything a ticket's facts contribute. */
  add(facts: TicketFacts | null, sign: 1 | -1): this {
    if (!facts) return this;
    const values: Array<[SegmentDimension, string]> = [
      ['all', ''],
      ['assignee', facts.seg.assignee ?? ''],
      ['channel', facts.seg.channel],
      ['category', facts.seg.category ?? ''],
      ['priority', facts.seg.priority],
      ['tier', facts.seg.tier],
    ];
    for (const [kind, day, ms] of facts.ev) {
      for (const [dimension, value] of values) {
        applyTicketEvent(this.segment(dimension, value, day), kind, ms, sign);
      }
      const sla = slaCounterOf(kind);
      if (sla && facts.seg.assignee) bump(this.agent(facts.seg.assignee, day).counters, sla, sign);
    }
    for (const [kind, day, agentId, amount] of facts.ag) {
      applyAgentEvent(this.agent(agentId, day), kind, amount, sign);
    }
    return this;
  }

  /** The rows that actually change (a refold of an unchanged ticket leaves none). */
  changed(): RollupDelta[] {
    return [...this.rows.values()].filter((r) => !isZero(r));
  }
}

function bump<K extends string>(counters: Partial<Record<K, number>>, key: K, amount: number): void {
  counters[key] = (counters[key] ?? 0) + amount;
}

function slaCounterOf(kind: TicketEventKind): SlaCounter | null {
  return (slaCounters as readonly string[]).includes(kind) ? (kind as SlaCounter) : null;
}

function applyTicketEvent(row: SegmentDelta, kind: TicketEventKind, ms: number, sign: 1 | -1): void {
  const c = row.counters;
  switch (kind) {
    case 'created':
      bump(c, 'created', sign);
      bump(c, 'openDelta', sign);
      return;
    case 'resolved':
      bump(c, 'resolved', sign);
      bump(c, 'openDelta', -sign);
      bump(c, 'resolutionCount', sign);
      bump(c, 'resolutionMs', sign * ms);
      addTo(row.resolutionHist, bucketOf(ms / 1000), sign);
      return;
    case 'reopened':
      bump(c, 'reopened', sign);
      bump(c, 'openDelta', sign);
      return;
    case 'firstResponse':
      bump(c, 'firstResponseCount', sign);
      bump(c, 'firstResponseMs', sign * ms);
      addTo(row.firstResponseHist, bucketOf(ms / 1000), sign);
      return;
    case 'repeat':
      bump(c, 'repeats', sign);
      return;
    default:
      bump(c, kind, sign);
  }
}

function applyAgentEvent(row: AgentDelta, kind: AgentEventKind, amount: number, sign: 1 | -1): void {
  const c = row.counters;
  switch (kind) {
    case 'resolved':
      bump(c, 'resolved', sign);
      bump(c, 'resolutionCount', sign);
      bump(c, 'resolutionMs', sign * amount);
      addTo(row.resolutionHist, bucketOf(amount / 1000), sign);
      return;
    case 'firstResponse':
      bump(c, 'firstResponseCount', sign);
      bump(c, 'firstResponseMs', sign * amount);
      addTo(row.firstResponseHist, bucketOf(amount / 1000), sign);
      return;
    default:
      bump(c, kind, sign * amount);
  }
}

function isZero(r: RollupDelta): boolean {
  return (
    Object.values(r.counters).every((n) => n === 0) &&
    Object.keys(r.firstResponseHist).length === 0 &&
    Object.keys(r.resolutionHist).length === 0
  );
}
