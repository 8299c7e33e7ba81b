import type { CsvTable, CsvValue } from './csv';
import type {
  AgentReport,
  CategoriesReport,
  ChannelsReport,
  ChurnReport,
  LeaderboardReport,
  SlaComplianceReport,
  SlaFigures,
  TeamReport,
  TimingSummary,
  VolumeReport,
} from './analytics.service';

/** The CSV tables of each report (the JSON body is the report object itself). */

type Column<R> = { header: string; value: (row: R) => CsvValue };

function timingColumns<R>(prefix: string, pick: (r: R) => TimingSummary): Array<Column<R>> {
  return [
    { header: `${prefix}Count`, value: (r) => pick(r).count },
    { header: `${prefix}AvgMinutes`, value: (r) => pick(r).avgMinutes },
    { header: `${prefix}P50Minutes`, value: (r) => pick(r).p50Minutes },
    { header: `${prefix}P90Minutes`, value: (r) => pick(r).p90Minutes },
  ];
}

function slaColumns<R extends SlaFigures>(): Array<Column<R>> {
  return (['firstResponse', 'nextReply', 'resolution'] as const).flatMap((t) => {
    const name = `sla${t[0]?.toUpperCase() ?? ''}${t.slice(1)}`;
    return [
      { header: `${name}Met`, value: (r: R) => r.sla[t].met },
      { header: `${name}Breached`, value: (r: R) => r.sla[t].breached },
      { header: `${name}Compliance`, value: (r: R) => r.slaCompliance[t] },
    ];
  });
}

export function teamCsv(r: TeamReport): CsvTable<TeamReport> {
  return {
    rows: [r],
    columns: [
      { header: 'from', value: (x) => x.from },
      { header: 'to', value: (x) => x.to },
      { header: 'department', value: (x) => x.department },
      { header: 'created', value: (x) => x.created },
      { header: 'resolved', value: (x) => x.resolved },
      { header: 'reopened', value: (x) => x.reopened },
      { header: 'backlog', value: (x) => x.backlog },
      ...timingColumns<TeamReport>('firstResponse', (x) => x.firstResponse),
      ...timingColumns<TeamReport>('resolution', (x) => x.resolution),
      ...slaColumns<TeamReport>(),
    ],
  };
}

export function agentCsv(r: AgentReport): CsvTable<AgentReport> {
  const counts = [
    'assigned',
    'accepted',
    'transferredIn',
    'transferredOut',
    'resolved',
    'reopened',
    'publicReplies',
    'internalNotes',
  ] as const;
  return {
    rows: [r],
    columns: [
      { header: 'agentId', value: (x) => x.agent.id },
      { header: 'name', value: (x) => x.agent.name },
      { header: 'from', value: (x) => x.from },
      { header: 'to', value: (x) => x.to },
      ...counts.map((c) => ({ header: c, value: (x: AgentReport) => x[c] })),
      ...timingColumns<AgentReport>('firstResponse', (x) => x.firstResponse),
      ...timingColumns<AgentReport>('resolution', (x) => x.resolution),
      ...slaColumns<AgentReport>(),
      { header: 'onlineMinutes', value: (x) => x.onlineMinutes },
      { header: 'openTickets', value: (x) => x.workload.open },
      { header: 'capacity', value: (x) => x.workload.capacity },
      { header: 'status', value: (x) => x.workload.status },
    ],
  };
}

export function leaderboardCsv(r: LeaderboardReport): CsvTable<LeaderboardReport['data'][number]> {
  return {
    rows: r.data,
    columns: [
      { header: 'rank', value: (x) => x.rank },
      { header: 'agentId', value: (x) => x.agentId },
      { header: 'name', value: (x) => x.name },
      { header: r.metric, value: (x) => x.value },
      { header: 'tickets', value: (x) => x.tickets },
    ],
  };
}

export function volumeCsv(r: VolumeReport): CsvTable<VolumeReport['data'][number]> {
  return {
    rows: r.data,
    columns: [
      { header: 'period', value: (x) => x.period },
      { header: 'created', value: (x) => x.created },
      { header: 'resolved', value: (x) => x.resolved },
    ],
  };
}

export function channelsCsv(r: ChannelsReport): CsvTable<ChannelsReport['data'][number]> {
  return {
    rows: r.data,
    columns: [
      { header: 'channel', value: (x) => x.channel },
      { header: 'created', value: (x) => x.created },
      { header: 'resolved', value: (x) => x.resolved },
    ],
  };
}

export function categoriesCsv(r: CategoriesReport): CsvTable<CategoriesReport['data'][number]> {
  return {
    rows: r.data,
    columns: [
      { header: 'category', value: (x) => x.category },
      { header: 'created', value: (x) => x.created },
      { header: 'resolved', value: (x) => x.resolved },
    ],
  };
}

export function slaComplianceCsv(r: SlaComplianceReport): CsvTable<SlaComplianceReport['data'][number]> {
  return {
    rows: r.data,
    columns: [
      { header: 'priority', value: (x) => x.priority },
      { header: 'target', value: (x) => x.target },
      { header: 'met', value: (x) => x.met },
      { header: 'breached', value: (x) => x.breached },
      { header: 'total', value: (x) => x.total },
      { header: 'rate', value: (x) => x.rate },
    ],
  };
}

export type ChurnSection = 'highRisk' | 'topCustomers' | 'repeatIssues';

export function churnCsv(r: ChurnReport, section: ChurnSection): CsvTable<Record<string, CsvValue>> {
  const table = <R extends Record<string, unknown>>(rows: R[], headers: Array<keyof R & string>) => ({
    rows: rows.map((row) => Object.fromEntries(headers.map((h) => [h, row[h] as CsvValue]))),
    columns: headers.map((h) => ({ header: h, value: (x: Record<string, CsvValue>) => x[h] })),
  });
  if (section === 'topCustomers')
    return table(r.topCustomers, ['customerId', 'name', 'email', 'tier', 'tickets']);
  if (section === 'repeatIssues')
    return table(r.repeatIssues.data, ['customerId', 'name', 'email', 'category', 'tickets']);
  return table(r.highRisk, [
    'customerId',
    'name',
    'email',
    'tier',
    'probability',
    'riskLevel',
    'lifetimeValue',
    'currency',
    'openTicketCount',
  ]);
}
