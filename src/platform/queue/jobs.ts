/**
 * Every queue and the job names it carries, in one place. Payload types are keyed by job name.
 * The worker refuses to start when a name listed here has no handler.
 */
export const queueJobs = {
  maintenance: ['auth.prune-refresh-tokens'],
  shopify: ['shopify.webhooks', 'shopify.sync', 'shopify.reconcile', 'shopify.sweep-deliveries'],
} as const;

export interface JobPayloads {
  'auth.prune-refresh-tokens': Record<string, never>;
  // Shopify (issue 8)
  'shopify.webhooks': { webhookIds: string[] };
  'shopify.sync': { runId: string; requesterId: string | null };
  'shopify.reconcile': { requesterId: null };
  'shopify.sweep-deliveries': Record<string, never>;
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
