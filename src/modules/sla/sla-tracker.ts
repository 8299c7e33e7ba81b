import { randomUUID } from 'node:crypto';
import type { SlaTarget } from '../../platform/events/domain-events';
import type { TicketPriority } from '../tickets/ticket.types';
import { addBusinessSeconds, businessMsBetween, type CompiledHours } from './business-clock';

/**
 * The per-ticket SLA state machine, as pure functions: given a ticket's tracker and what just
 * happened (created, agent reply, customer message, pending, resumed, solved, reopened, priority
 * changed), compute the new tracker. The service loads and saves trackers inside the ticket's
 * transaction; everything about *when* things are due lives here and in the business clock.
 *
 * A ticket has up to three clocks at a time (first response, next reply, resolution). Each clock
 * instance is one row (`target` + `cycle`): a restart (a reopened ticket, a new unanswered
 * customer message, a re-target after a priority change) starts a new cycle, so warnings and
 * breaches are recorded once per clock instance.
 */

export type { SlaTarget };
export const slaTargets: readonly SlaTarget[] = ['first_response', 'next_reply', 'resolution'];
export type ClockState = 'running' | 'paused' | 'met' | 'stopped';
export type StopReason = 'solved' | 'retargeted' | 'no_policy';

/** A policy version's targets, fixed for the tickets that were given them. */
export interface SlaTerms {
  policyId: string;
  versionId: string;
  priority: TicketPriority;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  nextReplyMinutes: number | null;
  hours: CompiledHours | null;
}

export interface SlaClock {
  id: string;
  target: SlaTarget;
  cycle: number;
  versionId: string;
  startedAt: Date;
  targetMinutes: number;
  /** Business time spent paused since the clock started (left out of elapsed figures). */
  pausedMs: number;
  /** Business time the due time was moved later by pauses. */
  extensionMs: number;
  dueAt: Date;
  state: ClockState;
  /** When it was met or stopped. */
  endedAt: Date | null;
  stopReason: StopReason | null;
  /** When the monitor recorded the warning / breach (set only by the monitor). */
  warnedAt: Date | null;
  breachedAt: Date | null;
  /** The latest cycle of its target. */
  current: boolean;
}

/** What a ticket's first response or resolution came to, for reports. */
export interface SlaOutcome {
  /** Business time from start to met, pauses excluded; null until met. */
  elapsedMs: number | null;
  breached: boolean;
  /** When the outcome was decided: the met time when on time, the due time when breached. */
  decidedAt: Date | null;
}

export interface SlaTracker {
  ticketId: string;
  terms: SlaTerms | null;
  startedAt: Date;
  pausedAt: Date | null;
  /** Business time the ticket spent paused, over all pauses. */
  pausedMs: number;
  /** Current clocks, plus any this change superseded (they are saved with `current: false`). */
  clocks: SlaClock[];
  firstResponse: SlaOutcome;
  resolution: SlaOutcome;
}

const undecided = (): SlaOutcome => ({ elapsedMs: null, breached: false, decidedAt: null });

function minutesFor(terms: SlaTerms, target: SlaTarget): number | null {
  if (target === 'first_response') return terms.firstResponseMinutes;
  if (target === 'resolution') return terms.resolutionMinutes;
  return terms.nextReplyMinutes;
}

const hoursOf = (tr: SlaTracker): CompiledHours | null => tr.terms?.hours ?? null;

function dueFor(startedAt: Date, minutes: number, extensionMs: number, hours: CompiledHours | null): Date {
  return addBusinessSeconds(startedAt, minutes * 60 + extensionMs / 1000, hours);
}

const clone = (tr: SlaTracker): SlaTracker => ({
  ...tr,
  clocks: tr.clocks.map((c) => ({ ...c })),
  firstResponse: { ...tr.firstResponse },
  resolution: { ...tr.resolution },
});

export const currentClock = (tr: SlaTracker, target: SlaTarget): SlaClock | undefined =>
  tr.clocks.find((c) => c.current && c.target === target);

export const isOpen = (c: SlaClock | undefined): c is SlaClock =>
  c !== undefined && (c.state === 'running' || c.state === 'paused');

function newClock(tr: SlaTracker, terms: SlaTerms, target: SlaTarget, startedAt: Date): SlaClock | null {
  const minutes = minutesFor(terms, target);
  if (minutes === null) return null;
  const previous = tr.clocks.filter((c) => c.target === target);
  for (const c of previous) c.current = false;
  return {
    id: randomUUID(),
    target,
    cycle: previous.reduce((max, c) => Math.max(max, c.cycle), 0) + 1,
    versionId: terms.versionId,
    startedAt,
    targetMinutes: minutes,
    pausedMs: 0,
    extensionMs: 0,
    dueAt: dueFor(startedAt, minutes, 0, terms.hours),
    state: tr.pausedAt ? 'paused' : 'running',
    endedAt: null,
    stopReason: null,
    warnedAt: null,
    breachedAt: null,
    current: true,
  };
}

function addClock(tr: SlaTracker, target: SlaTarget, startedAt: Date): void {
  if (!tr.terms) return;
  const clock = newClock(tr, tr.terms, target, startedAt);
  if (clock) tr.clocks.push(clock);
}

/**
 * A paused clock that ends (met, stopped) first takes the pause up to that moment: its due time
 * moves later exactly as a resume would have moved it.
 */
function settlePause(tr: SlaTracker, c: SlaClock, at: Date): void {
  if (c.state !== 'paused' || !tr.pausedAt) return;
  const from = new Date(Math.max(tr.pausedAt.getTime(), c.startedAt.getTime()));
  const paused = Math.max(0, businessMsBetween(from.getTime(), at.getTime(), hoursOf(tr)));
  c.pausedMs += paused;
  if (c.dueAt > tr.pausedAt) {
    c.extensionMs += paused;
    c.dueAt = dueFor(c.startedAt, c.targetMinutes, c.extensionMs, hoursOf(tr));
  }
}

function elapsedMs(tr: SlaTracker, c: SlaClock, at: Date): number {
  return Math.max(0, businessMsBetween(c.startedAt.getTime(), at.getTime(), hoursOf(tr)) - c.pausedMs);
}

function meet(tr: SlaTracker, c: SlaClock, at: Date): SlaOutcome {
  settlePause(tr, c, at);
  c.state = 'met';
  c.endedAt = at;
  const breached = c.breachedAt !== null || at > c.dueAt;
  return { elapsedMs: elapsedMs(tr, c, at), breached, decidedAt: breached ? c.dueAt : at };
}

function stop(tr: SlaTracker, c: SlaClock, at: Date, reason: StopReason): void {
  settlePause(tr, c, at);
  c.state = 'stopped';
  c.endedAt = at;
  c.stopReason = reason;
}

// ---------------------------------------------------------------------------------------------
// Transitions

/**
 * Starts tracking a ticket under a policy version: first response and resolution run from the
 * ticket's start (its creation time, which imports set in the past). `previous` is an earlier
 * tracker of the same ticket whose clocks this one supersedes.
 */
export function startTracking(
  ticketId: string,
  terms: SlaTerms,
  startedAt: Date,
  previous?: SlaTracker,
): SlaTracker {
  const tr: SlaTracker = previous
    ? { ...clone(previous), terms, startedAt, pausedAt: null }
    : {
        ticketId,
        terms,
        startedAt,
        pausedAt: null,
        pausedMs: 0,
        clocks: [],
        firstResponse: undecided(),
        resolution: undecided(),
      };
  addClock(tr, 'first_response', startedAt);
  addClock(tr, 'resolution', startedAt);
  return tr;
}

/** The ticket went `pending`: every running clock stops counting. */
export function pause(input: SlaTracker, at: Date): SlaTracker {
  if (input.pausedAt || !input.terms) return input;
  const tr = clone(input);
  tr.pausedAt = at;
  for (const c of tr.clocks) if (c.current && c.state === 'running') c.state = 'paused';
  return tr;
}

/**
 * The ticket left `pending`: due times move later by the business time that elapsed during the
 * pause. A clock that was already overdue when the pause began keeps its due time (a pause does
 * not undo a breach).
 */
export function resume(input: SlaTracker, at: Date): SlaTracker {
  if (!input.pausedAt) return input;
  const tr = clone(input);
  const pausedAt = input.pausedAt;
  tr.pausedMs += Math.max(0, businessMsBetween(pausedAt.getTime(), at.getTime(), hoursOf(tr)));
  for (const c of tr.clocks) {
    if (!c.current || c.state !== 'paused') continue;
    settlePause(tr, c, at);
    c.state = 'running';
  }
  tr.pausedAt = null;
  return tr;
}

/** A public agent reply meets the first response and any running next-reply clock. */
export function agentReplied(input: SlaTracker, at: Date): SlaTracker {
  const tr = clone(input);
  const first = currentClock(tr, 'first_response');
  if (isOpen(first)) tr.firstResponse = meet(tr, first, at);
  const next = currentClock(tr, 'next_reply');
  if (isOpen(next)) meet(tr, next, at);
  return tr;
}

/**
 * A public customer message, once the first response is behind us, starts a next-reply clock
 * (unless one already runs: the oldest unanswered message counts).
 */
export function customerWrote(input: SlaTracker, at: Date): SlaTracker {
  if (!input.terms?.nextReplyMinutes) return input;
  if (isOpen(currentClock(input, 'first_response')) || isOpen(currentClock(input, 'next_reply')))
    return input;
  const tr = clone(input);
  addClock(tr, 'next_reply', at);
  return tr;
}

/** Solved (or closed unsolved): resolution is met; reply clocks stop, nothing left to answer. */
export function solved(input: SlaTracker, at: Date): SlaTracker {
  const tr = clone(input);
  const resolution = currentClock(tr, 'resolution');
  if (isOpen(resolution)) {
    const outcome = meet(tr, resolution, at);
    tr.resolution = { ...outcome, breached: outcome.breached || input.resolution.breached };
  }
  for (const target of ['first_response', 'next_reply'] as const) {
    const c = currentClock(tr, target);
    if (!isOpen(c)) continue;
    stop(tr, c, at, 'solved');
    if (target === 'first_response' && (c.breachedAt || at > c.dueAt)) {
      tr.firstResponse = { elapsedMs: null, breached: true, decidedAt: c.dueAt };
    }
  }
  return tr;
}

/** Moved out of `solved`: the resolution clock restarts from now. */
export function reopened(input: SlaTracker, at: Date): SlaTracker {
  const resolution = currentClock(input, 'resolution');
  if (!input.terms || !resolution || isOpen(resolution)) return input;
  const tr = clone(input);
  addClock(tr, 'resolution', at);
  return tr;
}

/**
 * The priority changed: every open clock is re-targeted from its own start with the new
 * policy's targets (pauses so far still count). Met clocks keep their outcome. With no policy
 * for the new priority, open clocks stop.
 */
export function retargeted(input: SlaTracker, terms: SlaTerms | null, at: Date): SlaTracker {
  if (!input.terms && terms) throw new Error('an untracked ticket starts tracking with startTracking');
  const tr = clone(input);
  if (!terms) {
    for (const c of tr.clocks) if (c.current && isOpen(c)) stop(tr, c, at, 'no_policy');
    tr.terms = null;
    return tr;
  }
  tr.terms = terms;
  for (const old of tr.clocks.filter((c) => c.current && isOpen(c))) {
    const replacement = newClock(tr, terms, old.target, old.startedAt);
    old.state = 'stopped';
    old.endedAt = at;
    old.stopReason = 'retargeted';
    if (!replacement) continue;
    replacement.pausedMs = old.pausedMs;
    replacement.extensionMs = old.extensionMs;
    replacement.dueAt = dueFor(old.startedAt, replacement.targetMinutes, old.extensionMs, terms.hours);
    // Same deadline or a stricter one: the warning already given stands; a breach that still
    // holds stands (each is recorded once). A relaxed deadline can be warned and breached anew.
    if (replacement.dueAt <= old.dueAt) replacement.warnedAt = old.warnedAt;
    if (old.breachedAt && replacement.dueAt < at) replacement.breachedAt = old.breachedAt;
    tr.clocks.push(replacement);
  }
  return tr;
}

// ---------------------------------------------------------------------------------------------
// Reading a tracker

/** The moment a clock's counting ended or paused, or null while it runs. */
function effectiveEnd(tr: SlaTracker, c: SlaClock): Date | null {
  if (c.state === 'running') return null;
  if (c.state === 'paused') return tr.pausedAt ?? null;
  return c.endedAt;
}

/** Breached: recorded by the monitor, or due before the clock stopped counting (or before now). */
export function isBreached(tr: SlaTracker, c: SlaClock, now: Date): boolean {
  if (c.breachedAt) return true;
  if (c.stopReason === 'retargeted') return false;
  return (effectiveEnd(tr, c) ?? now) > c.dueAt;
}

/** What the monitor owes a clock at `now`: a warning (due within the window) and/or a breach. */
export function alertsOwed(
  tr: Pick<SlaTracker, 'pausedAt'>,
  c: SlaClock,
  now: Date,
  warningMs: number,
): { warning: boolean; breach: boolean } {
  if (c.stopReason === 'retargeted') return { warning: false, breach: false };
  const end = c.state === 'running' ? now : c.state === 'paused' ? tr.pausedAt : c.endedAt;
  const breach = !c.breachedAt && end !== null && end > c.dueAt;
  const warning =
    !c.warnedAt &&
    !breach &&
    !c.breachedAt &&
    warningMs > 0 &&
    c.state === 'running' &&
    c.dueAt.getTime() - warningMs <= now.getTime();
  return { warning, breach };
}

/**
 * When the monitor must next look at a clock (null: never again). Kept in an indexed column so a
 * monitor tick reads only the clocks that are due or about to be.
 */
export function nextCheckAt(tr: Pick<SlaTracker, 'pausedAt'>, c: SlaClock, warningMs: number): Date | null {
  if (c.breachedAt || c.stopReason === 'retargeted') return null;
  if (c.state === 'running') {
    return !c.warnedAt && warningMs > 0 ? new Date(c.dueAt.getTime() - warningMs) : c.dueAt;
  }
  const end = c.state === 'paused' ? tr.pausedAt : c.endedAt;
  return end && end > c.dueAt ? c.dueAt : null;
}

/** The earliest due time among running clocks: the ticket's place in the smart queue. */
export function earliestRunningDue(tr: SlaTracker): Date | null {
  let earliest: Date | null = null;
  for (const c of tr.clocks) {
    if (c.current && c.state === 'running' && (!earliest || c.dueAt < earliest)) earliest = c.dueAt;
  }
  return earliest;
}

/**
 * Business milliseconds left on an open clock (negative once overdue); a paused clock's
 * remaining time is frozen at the pause.
 */
export function remainingMs(tr: SlaTracker, c: SlaClock, now: Date): number | null {
  if (!isOpen(c)) return null;
  const from = c.state === 'paused' && tr.pausedAt ? tr.pausedAt : now;
  return businessMsBetween(from.getTime(), c.dueAt.getTime(), hoursOf(tr));
}

/** Remaining time of the most urgent open clock, in whole minutes (rounded down). */
export function remainingMinutes(tr: SlaTracker, now: Date): number | null {
  let least: number | null = null;
  for (const c of tr.clocks) {
    if (!c.current) continue;
    const ms = remainingMs(tr, c, now);
    if (ms !== null && (least === null || ms < least)) least = ms;
  }
  return least === null ? null : Math.floor(least / 60_000);
}
