import type { Client } from 'pg';

/**
 * Data for modules that are merged after the first benchmark pass. Each extension runs after
 * the core load (triggers are back on, indexes exist) when its tables are present, and returns
 * how many rows it made. Keep them set-based (INSERT … SELECT over tickets), not per row.
 */
export interface SeedExtension {
  name: string;
  applies(client: Client): Promise<boolean>;
  run(client: Client, ctx: { seed: number; tickets: number }): Promise<number>;
}

export async function tableExists(client: Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `public.${name}`,
  ]);
  return rows[0]?.found ?? false;
}

export const seedExtensions: SeedExtension[] = [
  // TODO(sla): SLA policies with business hours (a few calendars, holidays) and per-ticket clocks
  // for every open ticket, with about 1,000 of them due at bench time, so the runner's
  // "SLA monitor tick" scenario measures a tick over 1M tickets (issue 7, scenario 7).
  // TODO(assignment): assignment history rows for assigned tickets (one `assigned` row each,
  // `accepted` for most open ones) so queue and workload reads see realistic table sizes.
  // TODO(intelligence): cached customer intelligence for a share of customers, so the ticket
  // read scenario measures reads "with cached enrichment".
];
