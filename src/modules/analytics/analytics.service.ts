import { ForbiddenError, NotFoundError } from '../../platform/errors/app-error';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';
import type { TimeSource } from '../sla/sla.service';
import type { AgentStatus } from '../agents/agent.types';
import {
  emptyAgentTotals,
  emptySegmentTotals,
  type AgentRecord,
  type AgentTotals,
  type AnalyticsRepository,
  type HistogramChoice,
  type SegmentTotals,
} from './analytics.repository';
import type { ChurnSource } from './analytics.ports';
import {
  dayBounds,
  localDay,
  periodOf,
  periodsBetween,
  resolveRange,
  type DayRange,
  type Interval,
} from './days';
import { percentile, type Histogram } from './histogram';
import type { SegmentDimension } from './ticket-facts';

export interface RangeInput {
  from?: string | undefined;
  to?: string | undefined;
}

export interface TimingSummary {
  count: number;
  avgMinutes: number | null;
  p50Minutes: number | null;
  p90Minutes: number | null;
}
export interface SlaCounts {
  met: number;
  breached: number;
}
export interface SlaFigures {
  slaCompliance: { firstResponse: number | null; nextReply: number | null; resolution: number | null };
  sla: { firstResponse: SlaCounts; nextReply: SlaCounts; resolution: SlaCounts };
}
interface ReportRange {
  from: string;
  to: string;
  /** When the refresh last finished: today's figures are current as of then. */
  asOf: string | null;
}

export interface TeamReport extends ReportRange, SlaFigures {
  department: string | null;
  created: number;
  resolved: number;
  reopened: number;
  /** Open tickets at the end of `to` (for today: now, as of the last refresh). */
  backlog: number;
  firstResponse: TimingSummary;
  resolution: TimingSummary;
}

export interface AgentReport extends ReportRange, SlaFigures {
  agent: { id: string; name: string; department: string | null; role: string };
  assigned: number;
  accepted: number;
  transferredIn: number;
  transferredOut: number;
  resolved: number;
  reopened: number;
  publicReplies: number;
  internalNotes: number;
  firstResponse: TimingSummary;
  resolution: TimingSummary;
  onlineMinutes: number;
  /** Live, not from the rollups. */
  workload: { open: number; capacity: number; status: AgentStatus };
}

export const leaderboardMetrics = [
  'resolved',
  'assigned',
  'firstResponse',
  'resolution',
  'slaCompliance',
] as const;
export type LeaderboardMetric = (typeof leaderboardMetrics)[number];
export interface LeaderboardRow {
  rank: number;
  agentId: string;
  name: string;
  value: number;
  tickets: number;
}
export interface LeaderboardReport extends ReportRange {
  metric: LeaderboardMetric;
  /** How `value` reads: a count, minutes (median) or a fraction. */
  unit: 'count' | 'minutes' | 'fraction';
  better: 'higher' | 'lower';
  minTickets: number;
  data: LeaderboardRow[];
}

export interface VolumeReport extends ReportRange {
  interval: Interval;
  data: Array<{ period: string; created: number; resolved: number }>;
}
export interface ChannelsReport extends ReportRange {
  data: Array<{ channel: string; created: number; resolved: number }>;
}
export interface CategoriesReport extends ReportRange {
  data: Array<{ category: string | null; created: number; resolved: number }>;
}

export const slaTargetNames = ['firstResponse', 'nextReply', 'resolution'] as const;
export type SlaTargetName = (typeof slaTargetNames)[number];
export interface SlaComplianceRow {
  priority: string;
  target: SlaTargetName;
  met: number;
  breached: number;
  total: number;
  rate: number | null;
}
export interface SlaComplianceReport extends ReportRange {
  data: SlaComplianceRow[];
  overall: Array<Omit<SlaComplianceRow, 'priority'>>;
}

export interface ChurnReport extends ReportRange {
  churnSource: string;
  highRisk: Array<{
    customerId: string;
    name: string | null;
    email: string | null;
    tier: string | null;
    probability: number;
    riskLevel: string;
    lifetimeValue: number | null;
    currency: string | null;
    openTicketCount: number;
    openTickets: Array<{ id: string; number: number; subject: string; status: string; priority: string }>;
  }>;
  topCustomers: Array<{
    customerId: string;
    name: string | null;
    email: string | null;
    tier: string;
    tickets: number;
  }>;
  vipResolution: TimingSummary;
  repeatIssues: {
    /** Tickets created in the range that repeat an issue (same customer and category within 7 days). */
    total: number;
    data: Array<{
      customerId: string;
      name: string | null;
      email: string | null;
      category: string;
      tickets: number;
    }>;
  };
}

const round = (n: number, places: number) => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};
const fraction = (met: number, breached: number): number | null =>
  met + breached === 0 ? null : round(met / (met + breached), 4);

function timing(count: number, ms: number, hist: Histogram): TimingSummary {
  if (count <= 0) return { count: 0, avgMinutes: null, p50Minutes: null, p90Minutes: null };
  const minutes = (p: number) => {
    const s = percentile(hist, p);
    return s === null ? null : round(s / 60, 2);
  };
  return {
    count,
    avgMinutes: round(ms / count / 60_000, 2),
    p50Minutes: minutes(0.5),
    p90Minutes: minutes(0.9),
  };
}

type SlaCounterSource = Record<
  | 'slaFirstResponseMet'
  | 'slaFirstResponseBreached'
  | 'slaNextReplyMet'
  | 'slaNextReplyBreached'
  | 'slaResolutionMet'
  | 'slaResolutionBreached',
  number
>;

function slaFigures(c: SlaCounterSource): SlaFigures {
  const sla = {
    firstResponse: { met: c.slaFirstResponseMet, breached: c.slaFirstResponseBreached },
    nextReply: { met: c.slaNextReplyMet, breached: c.slaNextReplyBreached },
    resolution: { met: c.slaResolutionMet, breached: c.slaResolutionBreached },
  };
  return {
    slaCompliance: {
      firstResponse: fraction(sla.firstResponse.met, sla.firstResponse.breached),
      nextReply: fraction(sla.nextReply.met, sla.nextReply.breached),
      resolution: fraction(sla.resolution.met, sla.resolution.breached),
    },
    sla,
  };
}

function sumSegments(list: Iterable<SegmentTotals>): SegmentTotals {
  let total: SegmentTotals | null = null;
  for (const t of list) {
    if (!total) {
      total = {
        counters: { ...t.counters },
        firstResponseHist: { ...t.firstResponseHist },
        resolutionHist: { ...t.resolutionHist },
      };
      continue;
    }
    for (const [k, v] of Object.entries(t.counters) as Array<[keyof SegmentTotals['counters'], number]>)
      total.counters[k] += v;
    for (const [k, v] of Object.entries(t.firstResponseHist))
      total.firstResponseHist[k] = (total.firstResponseHist[k] ?? 0) + v;
    for (const [k, v] of Object.entries(t.resolutionHist))
      total.resolutionHist[k] = (total.resolutionHist[k] ?? 0) + v;
  }
  return total ?? emptySegmentTotals();
}

/**
 * The reports. Every figure is read from the daily rollups (a range of days costs the same
 * whatever the history), except an agent's workload now and the churn source's predictions.
 * Access: leads and admins see everything; an agent sees their own figures and the leaderboard;
 * viewers see team-level reports (the routes' roles say which is which).
 */
export class AnalyticsService {
  constructor(
    private readonly repo: AnalyticsRepository,
    private readonly churn: ChurnSource,
    private readonly settings: { timezone: string; maxRangeDays: number },
    readonly time: TimeSource,
  ) {}

  today(): string {
    return localDay(this.time.now(), this.settings.timezone);
  }

  range(q: RangeInput): DayRange {
    return resolveRange(q, this.today(), this.settings.maxRangeDays);
  }

  private async base(r: DayRange): Promise<ReportRange> {
    const asOf = await this.repo.lastRefresh();
    return { from: r.from, to: r.to, asOf: asOf?.toISOString() ?? null };
  }

  async team(q: RangeInput & { department?: string | undefined }): Promise<TeamReport> {
    const r = this.range(q);
    const department = q.department ?? null;
    let totals: SegmentTotals;
    let backlog: number;
    if (department === null) {
      const [t, b] = await Promise.all([
        this.repo.segmentTotals('all', r.from, r.to),
        this.repo.backlog('all', r.to),
      ]);
      totals = t.get('') ?? emptySegmentTotals();
      backlog = b.get('') ?? 0;
    } else {
      const members = await this.repo.agentIdsInDepartment(department);
      const [t, b] = await Promise.all([
        this.repo.segmentTotals('assignee', r.from, r.to, { values: members }),
        this.repo.backlog('assignee', r.to, members),
      ]);
      totals = sumSegments(t.values());
      backlog = [...b.values()].reduce((s, n) => s + n, 0);
    }
    const c = totals.counters;
    return {
      ...(await this.base(r)),
      department,
      created: c.created,
      resolved: c.resolved,
      reopened: c.reopened,
      backlog,
      firstResponse: timing(c.firstResponseCount, c.firstResponseMs, totals.firstResponseHist),
      resolution: timing(c.resolutionCount, c.resolutionMs, totals.resolutionHist),
      ...slaFigures(c),
    };
  }

  async agent(actor: Actor, agentId: string, q: RangeInput): Promise<AgentReport> {
    const agent = await this.visibleAgent(actor, agentId);
    const r = this.range(q);
    const totals =
      (await this.repo.agentTotals(r.from, r.to, { agentIds: [agentId] })).get(agentId) ?? emptyAgentTotals();
    const c = totals.counters;
    return {
      ...(await this.base(r)),
      agent: { id: agent.id, name: agent.name, department: agent.department, role: agent.role },
      assigned: c.assigned,
      accepted: c.accepted,
      transferredIn: c.transferredIn,
      transferredOut: c.transferredOut,
      resolved: c.resolved,
      reopened: c.reopened,
      publicReplies: c.publicReplies,
      internalNotes: c.internalNotes,
      firstResponse: timing(c.firstResponseCount, c.firstResponseMs, totals.firstResponseHist),
      resolution: timing(c.resolutionCount, c.resolutionMs, totals.resolutionHist),
      ...slaFigures(c),
      onlineMinutes: round(totals.onlineSeconds / 60, 1),
      workload: { open: agent.openTickets, capacity: agent.capacity, status: agent.status },
    };
  }

  agentToday(actor: Actor, agentId: string): Promise<AgentReport> {
    const today = this.today();
    return this.agent(actor, agentId, { from: today, to: today });
  }

  async leaderboard(
    q: RangeInput & { metric: LeaderboardMetric; minTickets: number; limit: number },
  ): Promise<LeaderboardReport> {
    const r = this.range(q);
    const spec = leaderboardSpecs[q.metric];
    const totals = await this.repo.agentTotals(r.from, r.to, { histograms: spec.histogram });
    const agents = new Map((await this.repo.agentsByIds([...totals.keys()])).map((a) => [a.id, a]));
    const rows: Array<Omit<LeaderboardRow, 'rank'>> = [];
    for (const [agentId, t] of totals) {
      const agent = agents.get(agentId);
      const { value, tickets } = spec.read(t);
      if (!agent || value === null || tickets < q.minTickets || tickets === 0) continue;
      rows.push({ agentId, name: agent.name, value, tickets });
    }
    const sign = spec.better === 'higher' ? -1 : 1;
    rows.sort(
      (a, b) =>
        sign * (a.value - b.value) ||
        b.tickets - a.tickets ||
        a.name.localeCompare(b.name) ||
        (a.agentId < b.agentId ? -1 : 1),
    );
    return {
      ...(await this.base(r)),
      metric: q.metric,
      unit: spec.unit,
      better: spec.better,
      minTickets: q.minTickets,
      data: rows.slice(0, q.limit).map((row, i) => ({ rank: i + 1, ...row })),
    };
  }

  async volume(q: RangeInput & { interval: Interval }): Promise<VolumeReport> {
    const r = this.range(q);
    const days = await this.repo.dailyCounts('all', '', r.from, r.to);
    const periods = new Map(
      periodsBetween(r.from, r.to, q.interval).map((p) => [p, { period: p, created: 0, resolved: 0 }]),
    );
    for (const d of days) {
      const p = periods.get(periodOf(d.day, q.interval));
      if (!p) continue;
      p.created += d.created;
      p.resolved += d.resolved;
    }
    return { ...(await this.base(r)), interval: q.interval, data: [...periods.values()] };
  }

  async channels(q: RangeInput): Promise<ChannelsReport> {
    const r = this.range(q);
    const data = (await this.breakdown('channel', r)).map((d) => ({
      channel: d.value,
      created: d.created,
      resolved: d.resolved,
    }));
    return { ...(await this.base(r)), data };
  }

  async categories(q: RangeInput): Promise<CategoriesReport> {
    const r = this.range(q);
    const data = (await this.breakdown('category', r)).map((d) => ({
      category: d.value === '' ? null : d.value,
      created: d.created,
      resolved: d.resolved,
    }));
    return { ...(await this.base(r)), data };
  }

  private async breakdown(
    dimension: SegmentDimension,
    r: DayRange,
  ): Promise<Array<{ value: string; created: number; resolved: number }>> {
    const totals = await this.repo.segmentTotals(dimension, r.from, r.to, { histograms: 'none' });
    return [...totals.entries()]
      .map(([value, t]) => ({ value, created: t.counters.created, resolved: t.counters.resolved }))
      .filter((d) => d.created > 0 || d.resolved > 0)
      .sort((a, b) => b.created - a.created || b.resolved - a.resolved || (a.value < b.value ? -1 : 1));
  }

  async slaCompliance(q: RangeInput): Promise<SlaComplianceReport> {
    const r = this.range(q);
    const totals = await this.repo.segmentTotals('priority', r.from, r.to, { histograms: 'none' });
    const order = ['urgent', 'high', 'normal', 'low'];
    const data: SlaComplianceRow[] = [];
    const overall = new Map<SlaTargetName, { met: number; breached: number }>(
      slaTargetNames.map((t) => [t, { met: 0, breached: 0 }]),
    );
    const priorities = [...totals.keys()].sort(
      (a, b) => order.indexOf(a) - order.indexOf(b) || (a < b ? -1 : 1),
    );
    for (const priority of priorities) {
      const t = totals.get(priority);
      if (!t) continue;
      const { sla } = slaFigures(t.counters);
      for (const target of slaTargetNames) {
        const { met, breached } = sla[target];
        if (met + breached === 0) continue;
        data.push({ priority, target, met, breached, total: met + breached, rate: fraction(met, breached) });
        const o = overall.get(target);
        if (o) {
          o.met += met;
          o.breached += breached;
        }
      }
    }
    return {
      ...(await this.base(r)),
      data,
      overall: slaTargetNames.map((target) => {
        const o = overall.get(target) ?? { met: 0, breached: 0 };
        return {
          target,
          met: o.met,
          breached: o.breached,
          total: o.met + o.breached,
          rate: fraction(o.met, o.breached),
        };
      }),
    };
  }

  async churnReport(q: RangeInput & { limit: number }): Promise<ChurnReport> {
    const r = this.range(q);
    const start = dayBounds(r.from, this.settings.timezone).start;
    const end = dayBounds(r.to, this.settings.timezone).end;
    const [risky, top, repeats, vip] = await Promise.all([
      this.churn.highRisk(q.limit),
      this.repo.topCustomers(start, end, q.limit),
      this.repo.repeatIssues(start, end, q.limit),
      this.repo.segmentTotals('tier', r.from, r.to, { values: ['vip'], histograms: 'resolution' }),
    ]);
    const ids = risky.map((c) => c.customerId);
    const [customers, open] = await Promise.all([this.repo.customers(ids), this.repo.openTickets(ids, 5)]);
    const v = vip.get('vip') ?? emptySegmentTotals();
    return {
      ...(await this.base(r)),
      churnSource: this.churn.name,
      highRisk: risky.map((c) => {
        const customer = customers.get(c.customerId);
        const tickets = open.get(c.customerId);
        return {
          customerId: c.customerId,
          name: customer?.name ?? null,
          email: customer?.email ?? null,
          tier: customer?.tier ?? null,
          probability: c.probability,
          riskLevel: c.riskLevel,
          lifetimeValue: c.lifetimeValue,
          currency: c.currency,
          openTicketCount: tickets?.count ?? 0,
          openTickets: tickets?.tickets ?? [],
        };
      }),
      topCustomers: top,
      vipResolution: timing(v.counters.resolutionCount, v.counters.resolutionMs, v.resolutionHist),
      repeatIssues: repeats,
    };
  }

  private async visibleAgent(actor: Actor, agentId: string): Promise<AgentRecord> {
    if (!isLeadOrAdmin(actor) && actor.id !== agentId)
      throw new ForbiddenError('Agents see only their own figures', 'not_your_figures');
    const agent = await this.repo.agent(agentId);
    if (!agent) throw new NotFoundError('Agent');
    return agent;
  }
}

interface LeaderboardSpec {
  unit: LeaderboardReport['unit'];
  /** The histogram the value needs (timings read a median). */
  histogram: HistogramChoice;
  better: LeaderboardReport['better'];
  read(t: AgentTotals): { value: number | null; tickets: number };
}

/** How each leaderboard metric reads an agent's totals; `tickets` is how many tickets the value rests on. */
const leaderboardSpecs: Record<LeaderboardMetric, LeaderboardSpec> = {
  resolved: {
    histogram: 'none',
    unit: 'count',
    better: 'higher',
    read: (t) => ({ value: t.counters.resolved, tickets: t.counters.resolved }),
  },
  assigned: {
    histogram: 'none',
    unit: 'count',
    better: 'higher',
    read: (t) => {
      const n = t.counters.assigned + t.counters.transferredIn;
      return { value: n, tickets: n };
    },
  },
  firstResponse: {
    histogram: 'firstResponse',
    unit: 'minutes',
    better: 'lower',
    read: (t) => ({
      value: timing(t.counters.firstResponseCount, t.counters.firstResponseMs, t.firstResponseHist)
        .p50Minutes,
      tickets: t.counters.firstResponseCount,
    }),
  },
  resolution: {
    histogram: 'resolution',
    unit: 'minutes',
    better: 'lower',
    read: (t) => ({
      value: timing(t.counters.resolutionCount, t.counters.resolutionMs, t.resolutionHist).p50Minutes,
      tickets: t.counters.resolutionCount,
    }),
  },
  slaCompliance: {
    histogram: 'none',
    unit: 'fraction',
    better: 'higher',
    read: (t) => {
      const c = t.counters;
      const met = c.slaFirstResponseMet + c.slaNextReplyMet + c.slaResolutionMet;
      const breached = c.slaFirstResponseBreached + c.slaNextReplyBreached + c.slaResolutionBreached;
      return { value: fraction(met, breached), tickets: met + breached };
    },
  },
};
