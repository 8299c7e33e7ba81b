import { DateTime } from 'luxon';
import { compileBusinessHours, type CompiledHours } from '../../src/modules/sla/business-clock';
import {
  agentReplied,
  alertsOwed,
  currentClock,
  customerWrote,
  earliestRunningDue,
  isBreached,
  nextCheckAt,
  pause,
  remainingMinutes,
  reopened,
  resume,
  retargeted,
  solved,
  startTracking,
  type SlaClock,
  type SlaTerms,
  type SlaTracker,
} from '../../src/modules/sla/sla-tracker';

const MIN = 60_000;
const z = 'America/New_York';
const officeHours = compileBusinessHours({
  timezone: z,
  weekly: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [['09:00', '17:00']],
  },
});

const terms = (over: Partial<SlaTerms> = {}, hours: CompiledHours | null = null): SlaTerms => ({
  policyId: 'p-normal',
  versionId: 'v1',
  priority: 'normal',
  firstResponseMinutes: 60,
  resolutionMinutes: 480,
  nextReplyMinutes: 120,
  hours,
  ...over,
});

const t0 = new Date('2026-11-23T10:00:00.000Z');
const plus = (minutes: number, from = t0) => new Date(from.getTime() + minutes * MIN);
const local = (iso: string) => DateTime.fromISO(iso, { zone: z }).toJSDate();
const inZone = (d: Date | undefined) =>
  d ? DateTime.fromJSDate(d, { zone: z }).toFormat('ccc yyyy-MM-dd HH:mm') : null;
const clock = (tr: SlaTracker, target: SlaClock['target']): SlaClock => {
  const c = currentClock(tr, target);
  if (!c) throw new Error(`no ${target} clock`);
  return c;
};

describe('starting', () => {
  test('when a ticket is tracked without business hours, then targets are wall-clock minutes from its start', () => {
    const tr = startTracking('t1', terms(), t0);
    expect(clock(tr, 'first_response').dueAt).toEqual(plus(60));
    expect(clock(tr, 'resolution').dueAt).toEqual(plus(480));
    expect(currentClock(tr, 'next_reply')).toBeUndefined();
    expect(earliestRunningDue(tr)).toEqual(plus(60));
  });

  test('when a ticket arrives on a Saturday under office hours, then its clocks start Monday morning', () => {
    const tr = startTracking('t1', terms({}, officeHours), local('2026-11-21T11:00'));
    expect(inZone(clock(tr, 'first_response').dueAt)).toBe('Mon 2026-11-23 10:00');
    expect(inZone(clock(tr, 'resolution').dueAt)).toBe('Mon 2026-11-23 17:00');
  });
});

describe('pausing', () => {
  test('when a ticket is pending for an hour, then its due times move an hour later and the hour is counted', () => {
    let tr = startTracking('t1', terms(), t0);
    tr = pause(tr, plus(10));
    expect(earliestRunningDue(tr)).toBeNull();
    expect(clock(tr, 'first_response').state).toBe('paused');
    tr = resume(tr, plus(70));
    expect(clock(tr, 'first_response').dueAt).toEqual(plus(120));
    expect(clock(tr, 'resolution').dueAt).toEqual(plus(540));
    expect(tr.pausedMs).toBe(60 * MIN);
    expect(tr.pausedAt).toBeNull();
  });

  test('when a pause spans closed hours, then only the business time inside it moves the due time', () => {
    // Friday 15:00 + 4 business hours → due Monday 11:00. Paused Friday 16:00 → Monday 10:00:
    // 1 h on Friday + 1 h on Monday of business time → due Monday 13:00.
    let tr = startTracking(
      't1',
      terms({ firstResponseMinutes: 240 }, officeHours),
      local('2026-11-27T15:00'),
    );
    expect(inZone(clock(tr, 'first_response').dueAt)).toBe('Mon 2026-11-30 11:00');
    tr = resume(pause(tr, local('2026-11-27T16:00')), local('2026-11-30T10:00'));
    expect(inZone(clock(tr, 'first_response').dueAt)).toBe('Mon 2026-11-30 13:00');
    expect(tr.pausedMs).toBe(120 * MIN);
  });

  test('when a pause lies entirely in closed hours, then nothing moves', () => {
    let tr = startTracking(
      't1',
      terms({ firstResponseMinutes: 240 }, officeHours),
      local('2026-11-27T15:00'),
    );
    tr = resume(pause(tr, local('2026-11-27T17:30')), local('2026-11-30T08:00'));
    expect(inZone(clock(tr, 'first_response').dueAt)).toBe('Mon 2026-11-30 11:00');
    expect(tr.pausedMs).toBe(0);
  });

  test('when a ticket paused twice, then both pauses accumulate', () => {
    let tr = startTracking('t1', terms(), t0);
    tr = resume(pause(tr, plus(5)), plus(15));
    tr = resume(pause(tr, plus(20)), plus(50));
    expect(tr.pausedMs).toBe(40 * MIN);
    expect(clock(tr, 'first_response').dueAt).toEqual(plus(100));
  });

  test('when a clock was already overdue when the pause began, then the pause does not move it', () => {
    let tr = startTracking('t1', terms(), t0);
    tr = resume(pause(tr, plus(90)), plus(200));
    expect(clock(tr, 'first_response').dueAt).toEqual(plus(60));
    expect(isBreached(tr, clock(tr, 'first_response'), plus(201))).toBe(true);
    // The resolution clock was not overdue and moved.
    expect(clock(tr, 'resolution').dueAt).toEqual(plus(590));
  });

  test('when the remaining time of a paused ticket is read, then it is frozen at the pause', () => {
    let tr = startTracking('t1', terms(), t0);
    tr = pause(tr, plus(20));
    expect(remainingMinutes(tr, plus(500))).toBe(40);
    tr = resume(tr, plus(500));
    expect(remainingMinutes(tr, plus(500))).toBe(40);
  });

  test('when an agent replies while the ticket is pending, then the pause up to the reply is not counted against it', () => {
    let tr = startTracking('t1', terms(), t0);
    tr = pause(tr, plus(30));
    tr = agentReplied(tr, plus(100));
    expect(clock(tr, 'first_response').state).toBe('met');
    expect(isBreached(tr, clock(tr, 'first_response'), plus(100))).toBe(false);
    expect(tr.firstResponse).toEqual({ elapsedMs: 30 * MIN, breached: false, decidedAt: plus(100) });
  });
});

describe('replies', () => {
  test('when an agent replies in time, then the first response is met with its business minutes', () => {
    const tr = agentReplied(startTracking('t1', terms(), t0), plus(42));
    expect(clock(tr, 'first_response').state).toBe('met');
    expect(tr.firstResponse).toEqual({ elapsedMs: 42 * MIN, breached: false, decidedAt: plus(42) });
    expect(earliestRunningDue(tr)).toEqual(plus(480));
  });

  test('when an agent replies late, then the first response is breached and decided at its due time', () => {
    const tr = agentReplied(startTracking('t1', terms(), t0), plus(75));
    expect(tr.firstResponse).toEqual({ elapsedMs: 75 * MIN, breached: true, decidedAt: plus(60) });
  });

  test('when the customer writes after the first reply, then a next-reply clock runs until the next agent reply', () => {
    let tr = agentReplied(startTracking('t1', terms(), t0), plus(10));
    tr = customerWrote(tr, plus(30));
    expect(clock(tr, 'next_reply').dueAt).toEqual(plus(150));
    // A second customer message does not restart it: the oldest unanswered message counts.
    tr = customerWrote(tr, plus(60));
    expect(clock(tr, 'next_reply').dueAt).toEqual(plus(150));
    tr = agentReplied(tr, plus(100));
    expect(clock(tr, 'next_reply').state).toBe('met');
    tr = customerWrote(tr, plus(200));
    expect(clock(tr, 'next_reply')).toMatchObject({ cycle: 2, state: 'running', dueAt: plus(320) });
  });

  test('when the customer writes before any agent reply, then only the first-response clock runs', () => {
    const tr = customerWrote(startTracking('t1', terms(), t0), plus(5));
    expect(currentClock(tr, 'next_reply')).toBeUndefined();
  });

  test('when the policy has no next-reply target, then customer messages start no clock', () => {
    let tr = agentReplied(startTracking('t1', terms({ nextReplyMinutes: null }), t0), plus(5));
    tr = customerWrote(tr, plus(10));
    expect(currentClock(tr, 'next_reply')).toBeUndefined();
  });
});

describe('solving and reopening', () => {
  test('when a ticket is solved, then resolution is met and the reply clocks stop', () => {
    let tr = agentReplied(startTracking('t1', terms(), t0), plus(10));
    tr = customerWrote(tr, plus(20));
    tr = solved(tr, plus(100));
    expect(clock(tr, 'resolution').state).toBe('met');
    expect(clock(tr, 'next_reply')).toMatchObject({ state: 'stopped', stopReason: 'solved' });
    expect(tr.resolution).toEqual({ elapsedMs: 100 * MIN, breached: false, decidedAt: plus(100) });
    expect(earliestRunningDue(tr)).toBeNull();
  });

  test('when a solved ticket reopens, then a new resolution clock runs from the reopening', () => {
    let tr = solved(agentReplied(startTracking('t1', terms(), t0), plus(10)), plus(100));
    tr = reopened(tr, plus(1000));
    expect(clock(tr, 'resolution')).toMatchObject({ cycle: 2, state: 'running', dueAt: plus(1480) });
    expect(tr.clocks.filter((c) => c.target === 'resolution')).toHaveLength(2);
    // The earlier outcome stays until this cycle is decided; a late solve makes it breached.
    tr = solved(tr, plus(2000));
    expect(tr.resolution).toMatchObject({ breached: true, decidedAt: plus(1480) });
  });

  test('when a ticket is solved without any reply after its first response was due, then the first response is breached', () => {
    const tr = solved(startTracking('t1', terms(), t0), plus(90));
    expect(tr.firstResponse).toEqual({ elapsedMs: null, breached: true, decidedAt: plus(60) });
  });
});

describe('re-targeting', () => {
  test('when the priority changes, then open clocks are re-targeted from their start with the new policy', () => {
    let tr = startTracking('t1', terms(), t0);
    tr = retargeted(
      tr,
      terms({ versionId: 'v-urgent', firstResponseMinutes: 15, resolutionMinutes: 120 }),
      plus(5),
    );
    expect(clock(tr, 'first_response')).toMatchObject({ cycle: 2, dueAt: plus(15), versionId: 'v-urgent' });
    expect(clock(tr, 'resolution').dueAt).toEqual(plus(120));
    expect(tr.clocks.filter((c) => c.stopReason === 'retargeted')).toHaveLength(2);
  });

  test('when a paused ticket is re-targeted, then earlier pauses still extend the new due times', () => {
    let tr = resume(pause(startTracking('t1', terms(), t0), plus(10)), plus(40));
    tr = retargeted(tr, terms({ firstResponseMinutes: 30 }), plus(41));
    expect(clock(tr, 'first_response').dueAt).toEqual(plus(60));
  });

  test('when a stricter policy follows a warning, then the warning is not repeated; a relaxed one may warn again', () => {
    let tr = startTracking('t1', terms(), t0);
    const fr = clock(tr, 'first_response');
    fr.warnedAt = plus(45);
    const stricter = retargeted(tr, terms({ firstResponseMinutes: 50 }), plus(46));
    expect(clock(stricter, 'first_response').warnedAt).toEqual(plus(45));
    tr = retargeted(tr, terms({ firstResponseMinutes: 240 }), plus(46));
    expect(clock(tr, 'first_response').warnedAt).toBeNull();
  });

  test('when the new priority has no policy, then the open clocks stop', () => {
    const tr = retargeted(startTracking('t1', terms(), t0), null, plus(5));
    expect(tr.terms).toBeNull();
    expect(earliestRunningDue(tr)).toBeNull();
    expect(clock(tr, 'first_response')).toMatchObject({ state: 'stopped', stopReason: 'no_policy' });
  });
});

describe('what the monitor owes', () => {
  const W = 15 * MIN;

  test('when a running clock is far from due, then the monitor looks again at due minus the warning window', () => {
    const tr = startTracking('t1', terms(), t0);
    const fr = clock(tr, 'first_response');
    expect(nextCheckAt(tr, fr, W)).toEqual(plus(45));
    expect(alertsOwed(tr, fr, plus(44), W)).toEqual({ warning: false, breach: false });
    expect(alertsOwed(tr, fr, plus(45), W)).toEqual({ warning: true, breach: false });
    fr.warnedAt = plus(45);
    expect(nextCheckAt(tr, fr, W)).toEqual(plus(60));
    expect(alertsOwed(tr, fr, plus(61), W)).toEqual({ warning: false, breach: true });
    fr.breachedAt = plus(60);
    expect(nextCheckAt(tr, fr, W)).toBeNull();
  });

  test('when the monitor was down past the due time, then it owes the breach and no warning', () => {
    const tr = startTracking('t1', terms(), t0);
    expect(alertsOwed(tr, clock(tr, 'first_response'), plus(600), W)).toEqual({
      warning: false,
      breach: true,
    });
  });

  test('when a clock was met late before the monitor noticed, then the breach is still owed', () => {
    const tr = agentReplied(startTracking('t1', terms(), t0), plus(70));
    const fr = clock(tr, 'first_response');
    expect(nextCheckAt(tr, fr, W)).toEqual(plus(60));
    expect(alertsOwed(tr, fr, plus(71), W)).toEqual({ warning: false, breach: true });
  });

  test('when a clock is paused or met in time, then nothing is owed', () => {
    const paused = pause(startTracking('t1', terms(), t0), plus(10));
    expect(nextCheckAt(paused, clock(paused, 'first_response'), W)).toBeNull();
    expect(alertsOwed(paused, clock(paused, 'first_response'), plus(600), W)).toEqual({
      warning: false,
      breach: false,
    });
    const met = agentReplied(startTracking('t1', terms(), t0), plus(10));
    expect(nextCheckAt(met, clock(met, 'first_response'), W)).toBeNull();
  });
});
