import type { Client } from 'pg';
import type { ExtensionContext, SeedExtension } from './extensions/extension';
import { assignmentExtension } from './extensions/assignment';
import { intelligenceExtension } from './extensions/intelligence';
import { shopifyExtension } from './extensions/shopify';
import { slaExtension } from './extensions/sla';

export type { ExtensionContext, SeedExtension } from './extensions/extension';
export { allTablesExist, tableExists } from './extensions/extension';

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
