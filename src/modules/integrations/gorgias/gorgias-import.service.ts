import type { Job } from 'bull';
import type { DataSource } from 'typeorm';
import { isUniqueViolation } from '../../../platform/db/postgres-errors';
import { ConflictError, NotFoundError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { Actor } from '../../../platform/security/actor';
import type { CustomersService } from '../../customers/customers.service';
import type { JobsService, RequestedJob } from '../../jobs/jobs.service';
import type { MessagesService } from '../../tickets/messages.service';
import type { TicketStatus } from '../../tickets/ticket.types';
import type { TicketsService } from '../../tickets/tickets.service';
import type { ExternalLinksRepository } from './external-links.repository';
import type { GorgiasClient, GorgiasCustomer, GorgiasMessage, GorgiasTicket } from './gorgias.client';
import type { GorgiasSettings } from './gorgias.config';
import { GorgiasApiError, GorgiasNotConfiguredError } from './gorgias.errors';
import {
  messageFromGorgias,
  ourIdIn,
  parseGorgiasDate,
  placeholderEmail,
  priorityFromGorgias,
  sortMessages,
  statusFromGorgias,
  subjectFromGorgias,
  tagsFromGorgias,
  toGorgiasStatus,
} from './gorgias.mapper';
import type { GorgiasRepository, RunCounters } from './gorgias.repository';
import type { GorgiasLocks } from './gorgias-locks';

export const IMPORT_JOB = 'gorgias.import-tickets';
export const importJobId = (runId: string) => `import-${runId}`;

export type TicketOutcome = 'created' | 'updated' | 'unchanged';

export interface ImportedTicket {
  outcome: TicketOutcome;
  ticketId: string | null;
  messages: number;
}

export interface ImportDeps {
  db: DataSource;
  settings: GorgiasSettings;
  client: GorgiasClient | null;
  links: ExternalLinksRepository;
  repo: GorgiasRepository;
  locks: GorgiasLocks;
  tickets: TicketsService;
  messages: MessagesService;
  customers: CustomersService;
  jobs: JobsService;
  queues: QueueService;
  logger: Logger;
}

const zero = (): RunCounters => ({ done: 0, created: 0, updated: 0, unchanged: 0, messages: 0 });
/** A running run whose job cannot be found is given this long to be enqueued before it is declared lost. */
const orphanAfterMs = 60_000;

/**
 * Imports Gorgias tickets with their messages. One ticket at a time, idempotent: every row we
 * create carries its Gorgias id (external_links, written in the row's own transaction), so a
 * re-run updates instead of duplicating. A run's cursor is saved after every page, so a run
 * interrupted by a crash or a failure continues where it stopped.
 */
export class GorgiasImportService {
  constructor(private readonly d: ImportDeps) {}

  private client(): GorgiasClient {
    if (!this.d.client) throw new GorgiasNotConfiguredError();
    return this.d.client;
  }

  /**
   * Starts an import job, or answers the one already running. After a failed or lost run the
   * new one resumes from its cursor; after a completed one it starts over (and updates).
   */
  async start(actor: Actor | null): Promise<{ jobId: string; resumed: boolean; joined: boolean }> {
    this.client();
    const running = await this.d.repo.runningRun();
    if (running) {
      if (await this.alive(running.id, running.startedAt)) {
        return { jobId: this.publicJobId(running.id), resumed: false, joined: true };
      }
      await this.d.repo.finishRun(running.id, 'failed', 'its job was lost');
    }
    const last = await this.d.repo.lastRun();
    const resumeFrom = last && last.status === 'failed' && last.cursor ? last : null;
    let runId: string;
    try {
      const run = await this.d.db.transaction((tx) =>
        this.d.repo.insertRun(tx, {
          requesterId: actor?.id ?? null,
          cursor: resumeFrom?.cursor ?? null,
          counters: resumeFrom
            ? {
                done: resumeFrom.done,
                created: resumeFrom.created,
                updated: resumeFrom.updated,
                unchanged: resumeFrom.unchanged,
                messages: resumeFrom.messages,
              }
            : zero(),
        }),
      );
      runId = run.id;
    } catch (err) {
      if (!isUniqueViolation(err, 'gorgias_import_runs_one_running')) throw err;
      const other = await this.d.repo.runningRun();
      if (!other) throw err;
      return { jobId: this.publicJobId(other.id), resumed: false, joined: true };
    }
    try {
      const jobId = await this.d.jobs.start(
        IMPORT_JOB,
        { runId, requesterId: actor?.id ?? null },
        importJobId(runId),
      );
      await this.d.db.transaction((tx) => this.d.repo.setJobId(tx, runId, jobId));
      return { jobId, resumed: resumeFrom !== null, joined: false };
    } catch (err) {
      await this.d.repo.finishRun(runId, 'failed', 'could not be queued');
      throw err;
    }
  }

  /** The job: page through every ticket from the run's cursor on. */
  async run(runId: string, job: Job<RequestedJob>): Promise<RunCounters | { skipped: string }> {
    const client = this.client();
    const run = await this.d.repo.findRun(runId);
    if (!run || run.status !== 'running') return { skipped: 'run is not running' };
    const counters: RunCounters = {
      done: run.done,
      created: run.created,
      updated: run.updated,
      unchanged: run.unchanged,
      messages: run.messages,
    };
    let cursor = run.cursor;
    const log = this.d.logger.child({ runId });
    log.info({ resumeFrom: cursor !== null }, 'Gorgias import started');
    try {
      for (;;) {
        const page = await client.listTickets({
          cursor: cursor ?? undefined,
          limit: this.d.settings.pageSize,
        });
        for (const ticket of page.data) {
          const result = await this.importTicket(ticket);
          counters.done += 1;
          counters[result.outcome] += 1;
          counters.messages += result.messages;
          await this.d.jobs.report(job, { done: counters.done });
        }
        cursor = page.nextCursor;
        await this.d.repo.saveProgress(runId, cursor, counters);
        if (!cursor || page.data.length === 0) break;
      }
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const hopeless = err instanceof GorgiasApiError && !err.retryable;
      if (lastAttempt || hopeless) {
        await this.d.repo.finishRun(runId, 'failed', (err as Error).message.slice(0, 500));
        if (hopeless) await job.discard();
      }
      log.warn({ err, done: counters.done }, 'Gorgias import interrupted; the cursor is saved');
      throw err;
    }
    await this.d.repo.finishRun(runId, 'completed');
    await this.d.jobs.report(job, { done: counters.done, total: counters.done }, 'completed');
    log.info(counters, 'Gorgias import finished');
    return counters;
  }

  /**
   * Brings one Gorgias ticket into the CRM: creates it (or finds it), adds the messages we do not
   * have yet (oldest first, so the status rules replay), then applies Gorgias' status. A ticket
   * whose `updated_datetime` has not moved since the last full sync is skipped.
   */
  async importTicket(gTicket: GorgiasTicket, opts: { force?: boolean } = {}): Promise<ImportedTicket> {
    const gId = String(gTicket.id);
    const seen = await this.d.links.byExternal('ticket', gId);
    const updatedAt = parseGorgiasDate(gTicket.updated_datetime);
    if (
      !opts.force &&
      seen?.externalUpdatedAt &&
      updatedAt &&
      updatedAt.getTime() <= seen.externalUpdatedAt.getTime()
    ) {
      return { outcome: 'unchanged', ticketId: seen.entityId, messages: 0 };
    }
    // Network first, outside any lock; the lock only covers "is it new? → write".
    const messages = sortMessages(await this.allMessages(gTicket.id));
    // A ticket we are pushing right now may already exist in Gorgias without its link: let any
    // creation in flight finish (and write its link) before deciding the ticket is new.
    if (!seen) await this.d.locks.creationBarrier();
    return this.d.locks.withTicket(gId, async () => {
      let outcome: TicketOutcome = 'updated';
      let ticketId = (await this.d.links.byExternal('ticket', gId))?.entityId ?? null;
      if (!ticketId) ticketId = await this.relinkOwnTicket(gTicket);
      let added: number;
      try {
        // From which statuses Gorgias' may be applied: a new ticket only from what the import
        // itself leaves (new, or open after an agent's reply), so an agent's quick change wins.
        let from: TicketStatus[] | null = ['new', 'open'];
        if (!ticketId) {
          ticketId = await this.createTicket(gTicket, messages);
          outcome = 'created';
        } else {
          from = await this.prepareStatus(ticketId, gTicket.status);
        }
        added = await this.addMessages(ticketId, messages);
        if (from) await this.followStatus(ticketId, gTicket.status, from, gTicket);
      } catch (err) {
        if (err instanceof NotFoundError) {
          this.d.logger.info({ ticketId, gorgiasId: gId }, 'ticket deleted in the CRM; not re-imported');
          return { outcome: 'unchanged', ticketId, messages: 0 };
        }
        throw err;
      }
      if (updatedAt) await this.d.links.updateState('ticket', ticketId, { externalUpdatedAt: updatedAt });
      return { outcome, ticketId, messages: added };
    });
  }

  /**
   * Adds Gorgias messages the ticket does not have. Each is written with its link in one
   * transaction; a message already linked (a re-run, or one we pushed) is skipped.
   */
  async addMessages(ticketId: string, messages: GorgiasMessage[]): Promise<number> {
    const known = await this.d.links.byExternalIds(
      'message',
      messages.map((m) => String(m.id)),
    );
    let added = 0;
    for (const m of messages) {
      if (known.has(String(m.id))) continue;
      if (await this.relinkOwnMessage(ticketId, m)) continue;
      try {
        await this.d.messages.addFromIntegration(ticketId, messageFromGorgias(m), {
          inTransaction: (tx, row) =>
            this.d.links
              .insert(
                { entityType: 'message', entityId: row.id, externalId: String(m.id), origin: 'provider' },
                { tx },
              )
              .then(() => undefined),
        });
        added += 1;
      } catch (err) {
        if (isUniqueViolation(err)) continue; // imported meanwhile by another job: rolled back, not doubled
        if (err instanceof ConflictError && err.code === 'ticket_closed') {
          this.d.logger.warn(
            { ticketId, gorgiasMessageId: m.id },
            'Gorgias message not imported: the CRM ticket is closed (closed is final)',
          );
          break;
        }
        throw err;
      }
    }
    return added;
  }

  private async allMessages(gTicketId: number): Promise<GorgiasMessage[]> {
    const all: GorgiasMessage[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client().listMessages(gTicketId, { cursor, limit: 100 });
      all.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  private async createTicket(gTicket: GorgiasTicket, messages: GorgiasMessage[]): Promise<string> {
    const gId = String(gTicket.id);
    const customerId = await this.resolveCustomer(gTicket.customer);
    const createdAt = parseGorgiasDate(gTicket.created_datetime) ?? new Date();
    try {
      const ticket = await this.d.tickets.create(
        null,
        {
          subject: subjectFromGorgias(gTicket, messages),
          customerId,
          priority: priorityFromGorgias(gTicket.priority),
          channel: 'gorgias',
          tags: tagsFromGorgias(gTicket.tags),
          metadata: {
            source: 'gorgias',
            gorgiasTicketId: gId,
            ...(gTicket.channel ? { gorgiasChannel: gTicket.channel } : {}),
          },
          createdAt: createdAt.getTime() > Date.now() ? new Date() : createdAt,
        },
        {
          inTransaction: (tx, row) =>
            this.d.links
              .insert(
                {
                  entityType: 'ticket',
                  entityId: row.id,
                  externalId: gId,
                  origin: 'provider',
                  externalStatus: gTicket.status,
                },
                { tx },
              )
              .then(() => undefined),
        },
      );
      return ticket.id;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const link = await this.d.links.byExternal('ticket', gId);
      if (!link) throw err;
      return link.entityId;
    }
  }

  /** Gorgias customer → ours: by link, then by email (created if new). */
  private async resolveCustomer(c: GorgiasCustomer | null | undefined): Promise<string> {
    if (c) {
      const link = await this.d.links.byExternal('customer', String(c.id));
      if (link) return link.entityId;
    }
    const email = c?.email?.trim().toLowerCase() || placeholderEmail(c?.id ?? null);
    const customer = await this.d.db.transaction((tx) =>
      this.d.customers.findOrCreateByEmail(tx, email, c?.name?.trim() || null),
    );
    if (c) {
      await this.d.links.insert(
        { entityType: 'customer', entityId: customer.id, externalId: String(c.id), origin: 'provider' },
        { ifAbsent: true },
      );
    }
    return customer.id;
  }

  /**
   * Whether our ticket may follow Gorgias' status, and from which of our statuses: the one it has
   * now, or `open` (where a customer message the import adds may take it). Gorgias' status is
   * recorded first, so the changes it causes here are not pushed back. Null — do not follow —
   * when the CRM changed the status since the last sync and that change is still on its way to
   * Gorgias: Gorgias' status is the stale one, and the push will bring Gorgias in line instead.
   */
  async prepareStatus(ticketId: string, gStatus: string | null): Promise<TicketStatus[] | null> {
    if (gStatus !== 'open' && gStatus !== 'closed') return null;
    const [ticket, link] = await Promise.all([
      this.d.tickets.get(ticketId),
      this.d.links.byEntity('ticket', ticketId),
    ]);
    const pushing = this.d.settings.push && this.d.client !== null;
    if (pushing && link?.externalStatus && link.externalStatus !== toGorgiasStatus(ticket.status))
      return null;
    await this.d.links.updateState('ticket', ticketId, { externalStatus: gStatus });
    return [ticket.status, 'open'];
  }

  /**
   * Applies Gorgias' status after the messages (a closed ticket would refuse them), only if the
   * ticket is still in one of the `from` statuses: a change an agent made meanwhile is newer
   * than Gorgias' snapshot and wins. The check and the change happen under the row lock.
   */
  async followStatus(
    ticketId: string,
    gStatus: string | null,
    from: readonly TicketStatus[],
    times: Pick<GorgiasTicket, 'closed_datetime' | 'updated_datetime'> = {},
  ): Promise<void> {
    if (!gStatus) return;
    const ticket = await this.d.tickets.get(ticketId);
    if (!from.includes(ticket.status)) return;
    const next = statusFromGorgias(gStatus, ticket.status);
    if (!next) return;
    const at =
      next === 'closed'
        ? (parseGorgiasDate(times.closed_datetime) ?? parseGorgiasDate(times.updated_datetime) ?? new Date())
        : new Date();
    await this.d.tickets.setStatusFromIntegration(ticketId, next, { at, onlyFrom: [ticket.status] });
  }

  /**
   * A ticket we pushed whose answer was lost (the link never written) comes back carrying our id
   * in `external_id`: link it instead of importing a copy.
   */
  private async relinkOwnTicket(gTicket: GorgiasTicket): Promise<string | null> {
    const ours = ourIdIn(gTicket.external_id);
    if (!ours || (await this.d.links.byEntity('ticket', ours))) return null;
    const exists = await this.d.tickets.get(ours).catch(() => null);
    if (!exists) return null;
    const linked = await this.d.links.insert(
      {
        entityType: 'ticket',
        entityId: ours,
        externalId: String(gTicket.id),
        origin: 'crm',
        externalStatus: gTicket.status,
      },
      { ifAbsent: true },
    );
    return linked ? ours : null;
  }

  /**
   * A Gorgias message carrying the id of one of this ticket's own messages in `external_id` is
   * ours (pushed, answer lost, or pushed twice): link it if we can, never import it as new.
   */
  private async relinkOwnMessage(ticketId: string, m: GorgiasMessage): Promise<boolean> {
    const ours = ourIdIn(m.external_id);
    if (!ours) return false;
    const message = await this.d.messages.getForIntegration(ours).catch(() => null);
    if (!message || message.ticketId !== ticketId) return false;
    await this.d.links.insert(
      { entityType: 'message', entityId: ours, externalId: String(m.id), origin: 'crm' },
      { ifAbsent: true },
    );
    return true;
  }

  private publicJobId(runId: string): string {
    return `gorgias:${importJobId(runId)}`;
  }

  private async alive(runId: string, startedAt: Date): Promise<boolean> {
    const job = await this.d.queues.queue('gorgias').getJob(importJobId(runId));
    if (!job) return Date.now() - startedAt.getTime() < orphanAfterMs;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed';
  }
}
