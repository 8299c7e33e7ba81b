import type { Client } from 'pg';
import { assignmentExtension } from './extensions/assignment';
import { intelligenceExtension } from './extensions/intelligence';
import { shopifyExtension } from './extensions/shopify';
import { slaExtension } from './extensions/sla';

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

/** In dependency order: intelligence reads Shopify's order summaries and SLA breaches. */
export const seedExtensions: SeedExtension[] = [
  assignmentExtension,
  slaExtension,
  shopifyExtension,
  intelligenceExtension,
];

/** Which extensions to (re)apply, given the versions a data set records. */
export function staleExtensions(
  extensions: readonly SeedExtension[],
  applied: Readonly<Record<string, number>>,
): SeedExtension[] {
  const redo = new Set<string>();
  for (const e of extensions) {
    if (applied[e.name] !== e.version || (e.after ?? []).some((d) => redo.has(d))) redo.add(e.name);
  }
  return extensions.filter((e) => redo.has(e.name));
}

/**
 * A deterministic uniform [0, 1) of a key and the seed, for set-based choices that do not
 * change between runs or with the plan Postgres picks (unlike `random()` under parallel scans).
 */
export async function installRandom(client: Client): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS bench`);
  await client.query(`
    CREATE OR REPLACE FUNCTION bench.rand(key text, seed bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT (hashtextextended(key, seed) & 9007199254740991)::float8 / 9007199254740992 $$`);
}

export interface ExtensionRun {
  name: string;
  version: number;
  seconds: number;
  counts: Record<string, number>;
}

/**
 * Applies `pending` in order (reset, then run), reporting each as it finishes so a crash keeps
 * the versions of those already applied.
 */
export async function applyExtensions(
  client: Client,
  pending: readonly SeedExtension[],
  ctx: ExtensionContext,
  onApplied: (run: ExtensionRun) => Promise<void>,
): Promise<ExtensionRun[]> {
  await installRandom(client);
  const runs: ExtensionRun[] = [];
  for (const extension of pending) {
    if (!(await extension.applies(client))) {
      ctx.log(`  extension ${extension.name}: its tables are missing, skipped`);
      continue;
    }
    const started = Date.now();
    await extension.reset(client);
    const counts = await extension.run(client, ctx);
    // Fresh statistics, so the extensions after this one (and the check queries) plan well.
    await client.query(`ANALYZE ${extension.tables.join(', ')}`);
    const run = {
      name: extension.name,
      version: extension.version,
      seconds: (Date.now() - started) / 1000,
      counts,
    };
    const made = Object.entries(counts)
      .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
      .join(', ');
    ctx.log(`  extension ${extension.name} v${extension.version}: ${made} (${run.seconds.toFixed(1)} s)`);
    runs.push(run);
    await onApplied(run);
  }
  return runs;
}
