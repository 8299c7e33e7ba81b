import type { Client } from 'pg';

export interface ExtensionContext {
  /** The bench database (extensions that stream open their own connections). */
  url: string;
  seed: number;
  tickets: number;
  /** The moment the data set is made "as of": clocks, caches and counters are current then. */
  now: Date;
  log: (line: string) => void;
}

/**
 * Data for modules merged after the first benchmark pass. Each extension runs after the core
 * load (indexes exist) when its tables are present, set-based over tickets, and returns what it
 * made (name → rows). Extensions are versioned: `bench.seed_info` records the version each one
 * was applied at, so a newer version (or a new extension) is applied to an existing data set
 * without reloading the core, and an unchanged one is left alone.
 */
export interface SeedExtension {
  name: string;
  /** Bump whenever what it makes changes: a data set holding an older version is redone. */
  version: number;
  /** Extensions whose rows this one reads: when one of them is redone, this one is too. */
  after?: readonly string[];
  /** Tables it writes, analysed once it ran. */
  tables: readonly string[];
  applies(client: Client): Promise<boolean>;
  /** Removes whatever an earlier version made, so `run` starts from the core data set. */
  reset(client: Client): Promise<void>;
  run(client: Client, ctx: ExtensionContext): Promise<Record<string, number>>;
}

export async function tableExists(client: Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `public.${name}`,
  ]);
  return rows[0]?.found ?? false;
}

export async function allTablesExist(client: Client, names: readonly string[]): Promise<boolean> {
  for (const name of names) if (!(await tableExists(client, name))) return false;
  return true;
}
