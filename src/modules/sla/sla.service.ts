import { DateTime } from 'luxon';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors/app-error';
import type { Page } from '../../platform/http/common.schemas';
import { isUniqueViolation } from '../../platform/db/postgres-errors';
import type { TicketEntity } from '../tickets/ticket.entity';
import type { MessageEntity } from '../tickets/message.entity';
import type { TicketReadHooks, TicketSlaSummary, TicketWriteHooks } from '../tickets/ticket-hooks';
import type { TicketPriority, TicketStatus } from '../tickets/ticket.types';
import { businessMsBetween, compileBusinessHours } from './business-clock';
import {
  agentReplied,
  currentClock,
  customerWrote,
  earliestRunningDue,
  isBreached,
  isOpen,
  pause,
  remainingMinutes,
  reopened,
  resume,
  retargeted,
  solved,
  startTracking,
  type SlaTerms,
  type SlaTracker,
} from './sla-tracker';
import type { SlaRepository, StoredTracker } from './sla.repository';
import type {
  AtRiskInput,
  BreachesInput,
  CreateSlaPolicyInput,
  RangeInput,
  UpdateSlaPolicyInput,
} from './sla.schemas';
import type {
  DashboardRow,
  SlaAtRiskRecord,
  SlaBreachRecord,
  SlaPolicyEntity,
  SlaPolicyFields,
  SlaPolicyVersion,
} from './sla.types';

/** Where "now" comes from; tests move it to exercise clocks without waiting. */
export interface TimeSource {
  now(): Date;
}
export const systemTime = (): TimeSource => ({ now: () => new Date() });

export interface SlaSettings {
  warningMinutes: number;
  /** IANA zone in which report dates (YYYY-MM-DD) are read. */
  reportTimezone: string;
}

export interface TicketSlaView {
  ticket: TicketEntity;
  tracker: SlaTracker | null;
  policyVersion: number | null;
  now: Date;
}

export interface AtRiskView {
  withinMinutes: number;
  items: Array<SlaAtRiskRecord & { remainingMinutes: number }>;
}

export interface DashboardView {
  from: Date;
  to: Date;
  warningMinutes: number;
  rows: DashboardRow[];
}

const DONE: readonly TicketStatus[] = ['solved', 'closed'];
const TERMS_CACHE_LIMIT = 1000;
const defaultName = (p: TicketPriority) => `${p[0]?.toUpperCase() ?? ''}${p.slice(1)} priority`;

/**
 * SLA policies, per-ticket tracking (through the ticket write hooks, inside the ticket's own
 * transaction) and reports. The monitor that records warnings and breaches is SlaMonitor.
 */
export class SlaService {
  /** Policy versions never change, so their compiled terms are cached for good (bounded). */
  private readonly terms = new Map<string, SlaTerms>();

  constructor(
    private readonly db: DataSource,
    private readonly repo: SlaRepository,
    private readonly tickets: { get(id: string): Promise<TicketEntity> },
    private readonly settings: SlaSettings,
    readonly time: TimeSource = systemTime(),
  ) {}

  get warningMs(): number {
    return this.settings.warningMinutes * 60_000;
  }

  // -------------------------------------------------------------------------------------------
  // Policies

  /** How many of a customer's tickets breached an SLA target since a date. */
  breachedTickets(customerId: string, since: Date): Promise<number> {
    return this.repo.breachedTicketCount(customerId, since);
  }

  listPolicies(): Promise<SlaPolicyEntity[]> {
    return this.repo.listPolicies();
  }

  async getPolicy(id: string): Promise<SlaPolicyEntity> {
    const policy = await this.repo.findPolicy(id);
    if (!policy) throw new NotFoundError('SLA policy');
    return policy;
  }

  async createPolicy(input: CreateSlaPolicyInput): Promise<SlaPolicyEntity> {
    const fields: SlaPolicyFields = {
      name: input.name ?? defaultName(input.priority),
      priority: input.priority,
      firstResponseMinutes: input.firstResponseMinutes,
      resolutionMinutes: input.resolutionMinutes,
      nextReplyMinutes: input.nextReplyMinutes ?? null,
      businessHours: input.businessHours ?? null,
    };
    return this.db
      .transaction((tx) => this.repo.insertPolicy(tx, fields))
      .catch((err: unknown) => {
        throw this.priorityTaken(err, input.priority);
      });
  }

  /** Edits write a new version: tickets already tracked keep the version they were given. */
  async updatePolicy(id: string, input: UpdateSlaPolicyInput): Promise<SlaPolicyEntity> {
    return this.db
      .transaction(async (tx) => {
        const current = await this.repo.findPolicy(id, tx, true);
        if (!current) throw new NotFoundError('SLA policy');
        const next: SlaPolicyFields = {
          name: input.name ?? current.name,
          priority: input.priority ?? current.priority,
          firstResponseMinutes: input.firstResponseMinutes ?? current.firstResponseMinutes,
          resolutionMinutes: input.resolutionMinutes ?? current.resolutionMinutes,
          nextReplyMinutes:
            input.nextReplyMinutes === undefined ? current.nextReplyMinutes : input.nextReplyMinutes,
          businessHours: input.businessHours === undefined ? current.businessHours : input.businessHours,
        };
        const unchanged = (Object.keys(next) as Array<keyof SlaPolicyFields>).every(
          (k) => JSON.stringify(next[k]) === JSON.stringify(current[k]),
        );
        if (unchanged) return current;
        return this.repo.updatePolicy(tx, id, next);
      })
      .catch((err: unknown) => {
        throw this.priorityTaken(err, input.priority);
      });
  }

  async deletePolicy(id: string): Promise<void> {
    if (!(await this.repo.softDeletePolicy(id))) throw new NotFoundError('SLA policy');
  }

  private priorityTaken(err: unknown, priority: TicketPriority | undefined): unknown {
    if (!isUniqueViolation(err, 'sla_policies_priority_key')) return err;
    return new ConflictError(
      `An SLA policy for ${priority ?? 'this'} priority already exists; edit it instead`,
      'sla_policy_exists',
      [{ field: 'body.priority', message: 'already has a policy' }],
    );
  }

  // -------------------------------------------------------------------------------------------
  // Policy versions → terms

  private toTerms(v: SlaPolicyVersion): SlaTerms {
    let terms = this.terms.get(v.id);
    if (!terms) {
      terms = {
        policyId: v.policyId,
        versionId: v.id,
        priority: v.priority,
        firstResponseMinutes: v.firstResponseMinutes,
        resolutionMinutes: v.resolutionMinutes,
        nextReplyMinutes: v.nextReplyMinutes,
        hours: v.businessHours ? compileBusinessHours(v.businessHours) : null,
      };
      if (this.terms.size >= TERMS_CACHE_LIMIT) this.terms.clear();
      this.terms.set(v.id, terms);
    }
    return terms;
  }

  private async termsByVersion(ids: Array<string | null>): Promise<Map<string, SlaTerms>> {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    const missing = wanted.filter((id) => !this.terms.has(id));
    for (const v of await this.repo.versionsByIds(missing)) this.toTerms(v);
    const result = new Map<string, SlaTerms>();
    for (const id of wanted) {
      const t = this.terms.get(id);
      if (t) result.set(id, t);
    }
    return result;
  }

  private async currentTerms(tx: EntityManager, priority: TicketPriority): Promise<SlaTerms | null> {
    const version = await this.repo.currentVersion(tx, priority);
    return version ? this.toTerms(version) : null;
  }

  private async load(tx: EntityManager, ticketId: string): Promise<SlaTracker | null> {
    const stored = await this.repo.loadForUpdate(tx, ticketId);
    if (!stored) return null;
    const terms = await this.termsByVersion([stored.versionId]);
    return stored.build(stored.versionId ? (terms.get(stored.versionId) ?? null) : null);
  }

  private save(tx: EntityManager, tr: SlaTracker, priority: TicketPriority): Promise<void> {
    return this.repo.save(tx, tr, priority, this.warningMs, earliestRunningDue(tr));
  }

  // -------------------------------------------------------------------------------------------
  // Ticket hooks (run inside the ticket's transaction, with the ticket row locked)

  writeHooks(): TicketWriteHooks {
    return {
      afterCreate: (tx, ticket) => this.onCreated(tx, ticket),
      afterUpdate: (tx, before, after) => this.onUpdated(tx, before, after),
      afterMessage: (tx, ticket, message) => this.onMessage(tx, ticket, message),
    };
  }

  readHooks(): TicketReadHooks {
    return { slaFor: (tickets) => this.summariesFor(tickets) };
  }

  /** Targets come from the policy in force now; clocks start at the ticket's creation time. */
  private async onCreated(tx: EntityManager, ticket: TicketEntity): Promise<void> {
    const terms = await this.currentTerms(tx, ticket.priority);
    if (!terms) return;
    await this.save(tx, startTracking(ticket.id, terms, ticket.createdAt), ticket.priority);
  }

  /** Public messages meet or start clocks; internal notes never touch them. */
  private async onMessage(tx: EntityManager, ticket: TicketEntity, message: MessageEntity): Promise<void> {
    if (message.internal) return;
    const tr = await this.load(tx, ticket.id);
    if (!tr?.terms) return;
    const next =
      message.authorType === 'agent'
        ? agentReplied(tr, message.createdAt)
        : customerWrote(tr, message.createdAt);
    if (next !== tr) await this.save(tx, next, ticket.priority);
  }

  private async onUpdated(tx: EntityManager, before: TicketEntity, after: TicketEntity): Promise<void> {
    const priorityChanged = before.priority !== after.priority;
    // Only moves into or out of `pending`, `solved` or `closed` change clocks.
    const touches = (st: TicketStatus) => st === 'pending' || DONE.includes(st);
    const statusMatters = before.status !== after.status && (touches(before.status) || touches(after.status));
    if (!priorityChanged && !statusMatters) return;
    const now = this.time.now();
    let tr = await this.load(tx, after.id);
    if (priorityChanged) {
      const terms = await this.currentTerms(tx, after.priority);
      if (tr?.terms) tr = retargeted(tr, terms, now);
      else if (terms) tr = this.trackExisting(before, terms, now, tr);
    }
    if (!tr) return;
    const wasPending = before.status === 'pending';
    const isPending = after.status === 'pending';
    const wasDone = DONE.includes(before.status);
    const isDone = DONE.includes(after.status);
    if (wasPending && !isPending) tr = resume(tr, now);
    if (wasDone && !isDone) tr = reopened(tr, now);
    if (!wasDone && isDone) tr = solved(tr, now);
    if (!wasPending && isPending) tr = pause(tr, now);
    await this.save(tx, tr, after.priority);
  }

  /**
   * A ticket that had no policy gets one (its priority changed): its clocks run from its
   * creation, with what already happened to it replayed.
   */
  private trackExisting(
    ticket: TicketEntity,
    terms: SlaTerms,
    now: Date,
    previous: SlaTracker | null,
  ): SlaTracker {
    let tr = startTracking(ticket.id, terms, ticket.createdAt, previous ?? undefined);
    if (ticket.firstRespondedAt) tr = agentReplied(tr, ticket.firstRespondedAt);
    if (DONE.includes(ticket.status)) tr = solved(tr, ticket.resolvedAt ?? now);
    if (ticket.status === 'pending') tr = pause(tr, now);
    return tr;
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  private async trackersFor(ticketIds: string[]): Promise<Map<string, SlaTracker>> {
    const stored = await this.repo.findTrackers(ticketIds);
    const terms = await this.termsByVersion([...stored.values()].map((s) => s.versionId));
    const result = new Map<string, SlaTracker>();
    for (const [id, s] of stored) result.set(id, buildTracker(s, terms));
    return result;
  }

  /** The `sla` block of ticket responses; tickets without a policy are left out (sla: null). */
  async summariesFor(tickets: TicketEntity[]): Promise<Map<string, TicketSlaSummary>> {
    const trackers = await this.trackersFor(tickets.map((t) => t.id));
    const now = this.time.now();
    const result = new Map<string, TicketSlaSummary>();
    for (const [id, tr] of trackers) {
      if (!tr.terms) continue;
      const fr = currentClock(tr, 'first_response');
      const res = currentClock(tr, 'resolution');
      const nr = currentClock(tr, 'next_reply');
      const due = earliestRunningDue(tr);
      result.set(id, {
        policyId: tr.terms.policyId,
        firstResponseDueAt: fr?.dueAt.toISOString() ?? null,
        resolutionDueAt: res?.dueAt.toISOString() ?? null,
        firstResponseBreached: fr ? isBreached(tr, fr, now) : false,
        resolutionBreached: res ? isBreached(tr, res, now) : false,
        paused: tr.pausedAt !== null,
        nextReplyDueAt: isOpen(nr) ? nr.dueAt.toISOString() : null,
        nextReplyBreached: isOpen(nr) ? isBreached(tr, nr, now) : false,
        pausedMinutes: Math.floor(tr.pausedMs / 60_000),
        remainingMinutes: remainingMinutes(tr, now),
        dueAt: due?.toISOString() ?? null,
      });
    }
    return result;
  }

  /** `GET /api/sla/tickets/:id`: the ticket's clocks, whether it has a policy or not. */
  async ticketView(ticketId: string): Promise<TicketSlaView> {
    const ticket = await this.tickets.get(ticketId);
    const tracker = (await this.trackersFor([ticketId])).get(ticketId) ?? null;
    let policyVersion: number | null = null;
    if (tracker?.terms) {
      const [v] = await this.repo.versionsByIds([tracker.terms.versionId]);
      policyVersion = v?.version ?? null;
    }
    return { ticket, tracker, policyVersion, now: this.time.now() };
  }

  breaches(q: BreachesInput): Promise<Page<SlaBreachRecord>> {
    const { from, to } = this.range(q, null);
    return this.repo.breaches({ ...q, from, to });
  }

  async atRisk(q: AtRiskInput): Promise<AtRiskView> {
    const withinMinutes = q.withinMinutes ?? this.settings.warningMinutes;
    const now = this.time.now();
    const rows = await this.repo.atRisk(now, new Date(now.getTime() + withinMinutes * 60_000), q.limit);
    const terms = await this.termsByVersion(rows.map((r) => r.versionId));
    return {
      withinMinutes,
      items: rows.map((r) => ({
        ...r,
        remainingMinutes: Math.floor(
          businessMsBetween(now.getTime(), r.dueAt.getTime(), terms.get(r.versionId)?.hours ?? null) / 60_000,
        ),
      })),
    };
  }

  async dashboard(q: RangeInput): Promise<DashboardView> {
    const { from, to } = this.range(q, 30);
    const now = this.time.now();
    const rows = await this.repo.dashboard(now, new Date(now.getTime() + this.warningMs), from, to);
    return { from, to, warningMinutes: this.settings.warningMinutes, rows };
  }

  /**
   * A report range: dates are whole days in the report time zone (`to` inclusive); date-times
   * are taken as given. Without `from`, the last `defaultDays` (or all time when null).
   */
  private range(q: RangeInput, defaultDays: number | null): { from: Date; to: Date } {
    const zone = this.settings.reportTimezone;
    const read = (s: string, end: boolean): Date => {
      if (s.length > 10) return new Date(s);
      const day = DateTime.fromISO(s, { zone }).startOf('day');
      return (end ? day.plus({ days: 1 }) : day).toJSDate();
    };
    const to = q.to
      ? read(q.to, true)
      : defaultDays === null
        ? new Date('9999-12-31T00:00:00Z')
        : this.time.now();
    const from = q.from
      ? read(q.from, false)
      : defaultDays === null
        ? new Date(0)
        : new Date(to.getTime() - defaultDays * 86_400_000);
    if (from >= to) {
      throw new ValidationError('The range is empty', [
        { field: 'query.from', message: 'must be before to' },
      ]);
    }
    return { from, to };
  }
}

function buildTracker(s: StoredTracker, terms: Map<string, SlaTerms>): SlaTracker {
  return s.build(s.versionId ? (terms.get(s.versionId) ?? null) : null);
}
