import type { SlaTarget } from '../../../platform/events/domain-events';

export const notificationKinds = [
  'sla_breach',
  'sla_warning',
  'urgent_ticket',
  'churn_risk',
  'mention',
  'daily_summary',
  'manual',
  'event_reply',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** Kinds that pile up into one list message per channel; the others go out one message each. */
export const batchableKinds: readonly NotificationKind[] = [
  'sla_breach',
  'sla_warning',
  'urgent_ticket',
  'churn_risk',
];

export type NotificationStatus = 'pending' | 'sent' | 'failed';

/** What a domain-event listener hands to the `slack` queue; the job renders and records it. */
export type SlackAlertJob =
  | {
      kind: 'sla_breach';
      ticketId: string;
      target: SlaTarget;
      dueAt: string;
      breachedAt: string;
      assigneeId: string | null;
    }
  | { kind: 'sla_warning'; ticketId: string; target: SlaTarget; dueAt: string; assigneeId: string | null }
  | { kind: 'urgent_ticket'; ticketId: string }
  | {
      kind: 'churn_risk';
      ticketId: string;
      customerId: string;
      riskLevel: ChurnRiskLevel;
      probability?: number;
    }
  | { kind: 'mention'; ticketId: string; messageId: string };

export type ChurnRiskLevel = 'low' | 'medium' | 'high' | 'unknown';

export interface ChurnRisk {
  riskLevel: ChurnRiskLevel;
  probability?: number;
}

/**
 * Where the churn risk of a customer comes from. The intelligence module's cached churn is wired
 * here by the composition root; it must answer fast (a cache read), since a listener asks it on
 * every new ticket. The default knows nothing.
 */
export interface ChurnRiskSource {
  riskFor(customerId: string): Promise<ChurnRisk>;
}

export const unknownChurnRisk: ChurnRiskSource = {
  riskFor: () => Promise.resolve({ riskLevel: 'unknown' }),
};

/** The figures of the daily summary over [from, to). */
export interface DailySummary {
  from: Date;
  to: Date;
  created: number;
  resolved: number;
  backlog: { open: number; unassigned: number; urgent: number };
  sla: { breaches: number; resolvedWithBreach: number; compliance: number | null };
  topAgents: Array<{ name: string; resolved: number }>;
}

/** Computes the daily summary; the default reads the ticket tables (analytics may replace it). */
export interface DailySummarySource {
  summarize(from: Date, to: Date): Promise<DailySummary>;
}
