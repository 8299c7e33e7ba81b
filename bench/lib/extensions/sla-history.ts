import {
  agentReplied,
  alertsOwed,
  customerWrote,
  earliestRunningDue,
  nextCheckAt,
  pause,
  solved,
  startTracking,
  type SlaClock,
  type SlaTerms,
  type SlaTracker,
} from '../../../src/modules/sla/sla-tracker';
import type { TicketPriority, TicketStatus } from '../../../src/modules/tickets/ticket.types';

/** What the SLA hooks saw of a ticket: its creation, public messages, pause and solution. */
export interface TicketTimeline {
  id: string;
  priority: TicketPriority;
  status: TicketStatus;
  createdAt: number;
  resolvedAt: number | null;
  /** When it entered its current status (for a pending ticket: the pause). */
  statusAt: number | null;
  deletedAt: number | null;
  /** Public, live messages, oldest first. */
  messages: ReadonlyArray<{ author: 'agent' | 'customer'; at: number }>;
}

export interface RecordedAlert {
  clockId: string;
  target: SlaClock['target'];
  /** The clock's due time when the alert was recorded. */
  dueAt: Date;
  kind: 'warning' | 'breach';
  occurredAt: Date;
  /** When the monitor's tick wrote it. */
  recordedAt: Date;
}

export interface SlaHistory {
  tracker: SlaTracker;
  alerts: RecordedAlert[];
  /** Each clock's `check_at` (by clock id): when the monitor must next look, or null. */
  checkAt: Map<string, Date | null>;
  /** The ticket's `sla_due_at`. */
  dueAt: Date | null;
  /** The last time anything changed (rows' `updated_at`). */
  lastChange: number;
}

export interface MonitorModel {
  warningMs: number;
  /** The monitor ticks every `intervalMs`, at `phaseMs` past each multiple of it. */
  intervalMs: number;
  phaseMs: number;
}

const DONE: readonly TicketStatus[] = ['solved', 'closed'];

/** The first monitor tick strictly after `t` (the monitor reads `check_at < now`). */
export function tickAfter(m: MonitorModel, t: number): number {
  return (Math.floor((t - m.phaseMs) / m.intervalMs) + 1) * m.intervalMs + m.phaseMs;
}

/**
 * One ticket's SLA life as the app would have lived it, through the app's own tracker
 * transitions (sla-tracker.ts) in time order, with the monitor (sla-monitor.service.ts)
 * ticking in between: every clock whose check time came before a tick is warned or breached
 * by that tick, exactly as `alertsOwed`/`nextCheckAt` decide. So an old open ticket's clocks are
 * already breached, with their alerts, and only what falls due after `now` is left to check.
 */
export function simulateSla(t: TicketTimeline, terms: SlaTerms, now: number, m: MonitorModel): SlaHistory {
  type Step = { at: number; order: number; apply: (tr: SlaTracker) => SlaTracker };
  const steps: Step[] = [];
  for (const msg of t.messages) {
    const at = new Date(msg.at);
    steps.push({
      at: msg.at,
      order: 0,
      apply: msg.author === 'agent' ? (tr) => agentReplied(tr, at) : (tr) => customerWrote(tr, at),
    });
  }
  if (t.status === 'pending' && t.statusAt !== null) {
    const at = new Date(t.statusAt);
    steps.push({ at: t.statusAt, order: 1, apply: (tr) => pause(tr, at) });
  }
  if (DONE.includes(t.status)) {
    const at = new Date(t.resolvedAt ?? t.statusAt ?? t.createdAt);
    steps.push({ at: at.getTime(), order: 2, apply: (tr) => solved(tr, at) });
  }
  steps.sort((a, b) => a.at - b.at || a.order - b.order);

  const end = Math.min(now, t.deletedAt ?? now);
  const alerts: RecordedAlert[] = [];
  let lastChange = t.createdAt;
  let tr = startTracking(t.id, terms, new Date(t.createdAt));
  for (const step of steps) {
    if (step.at > end) break;
    lastChange = Math.max(lastChange, monitorUntil(tr, step.at, m, alerts));
    tr = step.apply(tr);
    lastChange = Math.max(lastChange, step.at);
  }
  lastChange = Math.max(lastChange, monitorUntil(tr, end, m, alerts));
  const checkAt = new Map<string, Date | null>();
  // A deleted ticket's checks were stopped (sla.listeners.ts → stopChecks).
  for (const c of tr.clocks) checkAt.set(c.id, t.deletedAt !== null ? null : nextCheckAt(tr, c, m.warningMs));
  return { tracker: tr, alerts, checkAt, dueAt: earliestRunningDue(tr), lastChange };
}

/** Runs the monitor's ticks before `until` on this tracker; returns the last tick that acted. */
function monitorUntil(tr: SlaTracker, until: number, m: MonitorModel, alerts: RecordedAlert[]): number {
  let acted = 0;
  // Each tick warns or breaches at least one clock, and a clock is warned and breached once.
  for (let guard = 0; guard < 4 * tr.clocks.length + 4; guard++) {
    let next = Infinity;
    for (const c of tr.clocks) {
      const at = nextCheckAt(tr, c, m.warningMs)?.getTime();
      if (at !== undefined && at < next) next = at;
    }
    if (next === Infinity) return acted;
    const tick = tickAfter(m, next);
    if (tick >= until) return acted;
    const now = new Date(tick);
    for (const c of tr.clocks) {
      const at = nextCheckAt(tr, c, m.warningMs)?.getTime();
      if (at === undefined || at >= tick) continue;
      const owed = alertsOwed(tr, c, now, m.warningMs);
      if (owed.warning) {
        c.warnedAt = now;
        alerts.push({ ...alertOf(c), kind: 'warning', occurredAt: now, recordedAt: now });
      }
      if (owed.breach) {
        c.breachedAt = now;
        recordBreachOutcome(tr, c);
        alerts.push({ ...alertOf(c), kind: 'breach', occurredAt: c.dueAt, recordedAt: now });
      }
    }
    acted = tick;
  }
  throw new Error(`the SLA monitor model did not settle for ticket ${tr.ticketId}`);
}

const alertOf = (c: SlaClock) => ({ clockId: c.id, target: c.target, dueAt: c.dueAt });

/** sla.repository.ts `recordBreachOutcome`: a breach decides the target's outcome. */
function recordBreachOutcome(tr: SlaTracker, c: SlaClock): void {
  if (c.target === 'next_reply') return;
  const key = c.target === 'first_response' ? 'firstResponse' : 'resolution';
  const decided = tr[key].decidedAt;
  tr[key] = {
    ...tr[key],
    breached: true,
    decidedAt: decided && decided > c.dueAt ? decided : c.dueAt,
  };
}
