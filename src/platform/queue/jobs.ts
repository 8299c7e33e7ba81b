import type { SlackAlertJob } from '../../modules/integrations/slack/slack.types';
import type {
  MessageCreatedPayload,
  TicketCreatedPayload,
} from '../../modules/integrations/gorgias/gorgias.schemas';

/**
 * Every queue and the job names it carries, in one place. Payload types are keyed by job name.
 * The worker refuses to start when a name listed here has no handler.
 */
export const queueJobs = {
  maintenance: ['auth.prune-refresh-tokens'],
  slack: ['slack.alert', 'slack.flush', 'slack.event', 'slack.daily-summary', 'slack.sweep'],
  sla: ['sla.check'],
  assignment: [
    'assignment.route-ticket',
    'assignment.reopened',
    'assignment.backlog',
    'assignment.sweep',
    'assignment.repair-workload',
    'assignment.release-agent',
  ],
  intelligence: [
    'intelligence.categorize-ticket',
    'intelligence.refresh-profile',
    'intelligence.retrain-categorizer',
  ],
  gorgias: [
    'gorgias.import-tickets',
    'gorgias.push-ticket',
    'gorgias.push-message',
    'gorgias.push-status',
    'gorgias.webhook-ticket-created',
    'gorgias.webhook-message-created',
    'gorgias.prune-deliveries',
    'gorgias.reconcile',
  ],
  shopify: ['shopify.webhooks', 'shopify.sync', 'shopify.reconcile', 'shopify.sweep-deliveries'],
  analytics: ['analytics.refresh', 'analytics.nightly'],
} as const;

export interface JobPayloads {
  'auth.prune-refresh-tokens': Record<string, never>;
  // Slack (issue 9): render + record an alert; post a channel's pending notifications; handle an
  // Events API delivery; the daily summary; re-flush channels whose flush was lost.
  'slack.alert': SlackAlertJob;
  'slack.flush': { channel: string };
  'slack.event': { eventId: string };
  'slack.daily-summary': Record<string, never>;
  'slack.sweep': Record<string, never>;
  'sla.check': Record<string, never>;
  // Assignment (issue 4)
  'assignment.route-ticket': { ticketId: string };
  'assignment.reopened': { ticketId: string };
  'assignment.backlog': Record<string, never>;
  'assignment.sweep': Record<string, never>;
  'assignment.repair-workload': Record<string, never>;
  // A deactivated agent's unsolved tickets go back to the unassigned queue.
  'assignment.release-agent': { agentId: string; actorId: string | null };
  'intelligence.categorize-ticket': { ticketId: string };
  'intelligence.refresh-profile': { customerId: string };
  'intelligence.retrain-categorizer': Record<string, never>;
  // Gorgias (issue 11)
  'gorgias.import-tickets': { runId: string; requesterId: string | null };
  'gorgias.push-ticket': { ticketId: string };
  'gorgias.push-message': { messageId: string };
  'gorgias.push-status': { ticketId: string };
  'gorgias.webhook-ticket-created': TicketCreatedPayload;
  'gorgias.webhook-message-created': MessageCreatedPayload;
  'gorgias.prune-deliveries': Record<string, never>;
  'gorgias.reconcile': Record<string, never>;
  // Shopify (issue 8)
  'shopify.webhooks': { webhookIds: string[] };
  'shopify.sync': { runId: string; requesterId: string | null };
  'shopify.reconcile': { requesterId: null };
  'shopify.sweep-deliveries': Record<string, never>;
  // Analytics (issue 10): fold in what changed; recompute a day (default yesterday) from raw rows.
  'analytics.refresh': Record<string, never>;
  'analytics.nightly': { day?: string };
}

export type QueueName = keyof typeof queueJobs;
export type JobName = (typeof queueJobs)[QueueName][number];

// Compile-time check: every job name has a payload type and every payload type a queue.
type Missing = Exclude<JobName, keyof JobPayloads> | Exclude<keyof JobPayloads, JobName>;
const _everyJobHasAPayload: [Missing] extends [never] ? true : Missing = true;
void _everyJobHasAPayload;

export function queueOf(name: JobName): QueueName {
  for (const [queue, names] of Object.entries(queueJobs) as Array<[QueueName, readonly string[]]>) {
    if (names.includes(name)) return queue;
  }
  throw new Error(`job ${name} belongs to no queue`);
}

export const allJobNames = (): JobName[] => Object.values(queueJobs).flat() as JobName[];
