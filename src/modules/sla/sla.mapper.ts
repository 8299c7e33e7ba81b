import type { z } from 'zod';
import {
  currentClock,
  earliestRunningDue,
  isBreached,
  isOpen,
  remainingMinutes,
  remainingMs,
} from './sla-tracker';
import type { AtRiskView, DashboardView, TicketSlaView } from './sla.service';
import type { SlaAtRisk, SlaBreach, SlaDashboard, SlaPolicy, TicketSlaDetail } from './sla.schemas';
import type { ComplianceCounts, SlaBreachRecord, SlaPolicyEntity } from './sla.types';
import { ticketPriorities } from '../tickets/ticket.types';

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 600) / 100);

export function toPolicyDto(p: SlaPolicyEntity): z.infer<typeof SlaPolicy> {
  return {
    id: p.id,
    name: p.name,
    priority: p.priority,
    firstResponseMinutes: p.firstResponseMinutes,
    resolutionMinutes: p.resolutionMinutes,
    nextReplyMinutes: p.nextReplyMinutes,
    businessHours: p.businessHours
      ? {
          timezone: p.businessHours.timezone,
          weekly: p.businessHours.weekly,
          holidays: p.businessHours.holidays ?? [],
        }
      : null,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function toTicketSlaDto(v: TicketSlaView): z.infer<typeof TicketSlaDetail> {
  const tr = v.tracker?.terms ? v.tracker : null;
  const fr = tr ? currentClock(tr, 'first_response') : undefined;
  const res = tr ? currentClock(tr, 'resolution') : undefined;
  const nr = tr ? currentClock(tr, 'next_reply') : undefined;
  return {
    ticketId: v.ticket.id,
    policyId: tr?.terms?.policyId ?? null,
    policyVersion: v.policyVersion,
    priority: v.ticket.priority,
    firstResponseDueAt: iso(fr?.dueAt),
    resolutionDueAt: iso(res?.dueAt),
    nextReplyDueAt: isOpen(nr) ? nr.dueAt.toISOString() : null,
    firstResponseBreached: tr && fr ? isBreached(tr, fr, v.now) : false,
    resolutionBreached: tr && res ? isBreached(tr, res, v.now) : false,
    nextReplyBreached: tr && isOpen(nr) ? isBreached(tr, nr, v.now) : false,
    firstResponseMetAt: fr?.state === 'met' ? iso(fr.endedAt) : null,
    resolutionMetAt: res?.state === 'met' ? iso(res.endedAt) : null,
    paused: tr?.pausedAt != null,
    pausedMinutes: tr ? Math.floor(tr.pausedMs / 60_000) : 0,
    remainingMinutes: tr ? remainingMinutes(tr, v.now) : null,
    dueAt: tr ? iso(earliestRunningDue(tr)) : null,
    firstResponseMinutes: tr ? minutes(tr.firstResponse.elapsedMs) : null,
    resolutionMinutes: tr ? minutes(tr.resolution.elapsedMs) : null,
    clocks: (tr?.clocks ?? []).map((c) => {
      const left = tr ? remainingMs(tr, c, v.now) : null;
      return {
        target: c.target,
        cycle: c.cycle,
        state: c.state,
        startedAt: c.startedAt.toISOString(),
        dueAt: c.dueAt.toISOString(),
        endedAt: iso(c.endedAt),
        breached: tr ? isBreached(tr, c, v.now) : false,
        remainingMinutes: left === null ? null : Math.floor(left / 60_000),
        warningRecordedAt: iso(c.warnedAt),
        breachRecordedAt: iso(c.breachedAt),
      };
    }),
  };
}

export function toBreachDto(b: SlaBreachRecord): z.infer<typeof SlaBreach> {
  return {
    id: b.id,
    ticketId: b.ticketId,
    ticketNumber: b.ticketNumber,
    subject: b.subject,
    priority: b.priority,
    status: b.status,
    assigneeId: b.assigneeId,
    target: b.target,
    dueAt: b.dueAt.toISOString(),
    breachedAt: b.breachedAt.toISOString(),
    recordedAt: b.recordedAt.toISOString(),
  };
}

export function toAtRiskDto(v: AtRiskView): z.infer<typeof SlaAtRisk> {
  return {
    withinMinutes: v.withinMinutes,
    data: v.items.map((i) => ({
      ticketId: i.ticketId,
      number: i.number,
      subject: i.subject,
      priority: i.priority,
      status: i.status,
      assigneeId: i.assigneeId,
      target: i.target,
      dueAt: i.dueAt.toISOString(),
      remainingMinutes: i.remainingMinutes,
    })),
  };
}

const compliance = (c: ComplianceCounts) => {
  const total = c.met + c.breached;
  return {
    met: c.met,
    breached: c.breached,
    total,
    compliancePercent: total === 0 ? null : Math.round((c.met / total) * 1000) / 10,
  };
};

export function toDashboardDto(v: DashboardView): z.infer<typeof SlaDashboard> {
  const sum = (pick: (r: (typeof v.rows)[number]) => number) => v.rows.reduce((n, r) => n + pick(r), 0);
  return {
    from: v.from.toISOString(),
    to: v.to.toISOString(),
    warningMinutes: v.warningMinutes,
    openAtRisk: sum((r) => r.openAtRisk),
    breachedNow: sum((r) => r.breachedNow),
    firstResponse: compliance({
      met: sum((r) => r.firstResponse.met),
      breached: sum((r) => r.firstResponse.breached),
    }),
    resolution: compliance({
      met: sum((r) => r.resolution.met),
      breached: sum((r) => r.resolution.breached),
    }),
    byPriority: [...ticketPriorities].reverse().map((priority) => {
      const r = v.rows.find((x) => x.priority === priority);
      return {
        priority,
        openAtRisk: r?.openAtRisk ?? 0,
        breachedNow: r?.breachedNow ?? 0,
        firstResponse: compliance(r?.firstResponse ?? { met: 0, breached: 0 }),
        resolution: compliance(r?.resolution ?? { met: 0, breached: 0 }),
      };
    }),
  };
}
