import 'reflect-metadata';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { intArg, parseArgs } from './lib/args';
import { cpuMs, RssSampler, runLoad, type LoadResult } from './lib/load';
import { startApi, startBaseline, type Running } from './lib/processes';
import { loadPools, scenarios, searchWords, type HttpScenario, type Pools } from './lib/scenarios';
import { restoreDue } from './lib/sla-tick';
import { benchUsers, defaultBenchDatabaseUrl } from './lib/seed-data';

const usage = `Usage: npm run bench -- [options]
  --duration S       measured seconds per scenario (default 10, at most 20)
  --warmup S         warm-up seconds before each (default 3)
  --connections N    concurrent connections (default 64)
  --runs N           runs of each scenario (default 1; report every run)
  --scenarios a,b    only these (ids: queue, list, list-walk, search-common, search-medium,
                     search-rare, read, create, message, sla-tick, auto-assign)
  --url URL          use an API that is already running (default: start dist/src/main.js)
  --pid PID          with --url: the API's pid, for its peak RSS
  --no-baseline      skip the bare node:http + pg baseline
  --cpu-prof DIR     start the API with --cpu-prof, profiles written to DIR on exit
  --node-flags="F"   extra node flags for the API, after its own, e.g. --node-flags="--max-semi-space-size=16"
                     (with "=": a separate value starting with -- is read as the next option)
  --keep-writes      keep the tickets and messages the write scenarios made
  --json FILE        also write the results as JSON
Environment: BENCH_DATABASE_URL (default ${defaultBenchDatabaseUrl}), BENCH_REDIS_URL
(default redis://127.0.0.1:6379/0), DB_POOL_SIZE (API and baseline pool, default 20).`;

interface Row {
  id: string;
  run: number;
  title: string;
  api?: LoadResult;
  baseline?: LoadResult;
  ratio?: number;
  perUnit?: number;
  unit?: string;
  target?: HttpScenario['target'];
  skipped?: string;
  /** How long the server kept working after the load stopped. */
  settledMs?: number;
  custom?: { summary: string; values: Record<string, number> };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '—');
const num = (v: number) => Math.round(v).toLocaleString('en');

async function login(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: benchUsers.password }),
  });
  if (!res.ok) throw new Error(`login as ${email} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function documentedRoutes(url: string): Promise<Set<string>> {
  const res = await fetch(`${url}/openapi.json`);
  const doc = (await res.json()) as { paths?: Record<string, Record<string, unknown>> };
  const out = new Set<string>();
  for (const [p, methods] of Object.entries(doc.paths ?? {}))
    for (const m of Object.keys(methods)) out.add(`${m} ${p}`);
  return out;
}

async function machine(db: Pool, redisUrl: string): Promise<Record<string, string>> {
  const pg =
    (await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?';
  const settings = (
    await db.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM pg_settings
        WHERE name IN ('shared_buffers', 'max_connections', 'work_mem', 'autovacuum')`,
    )
  ).rows
    .map((r) => `${r.name}=${r.setting}`)
    .join(' ');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let redisVersion = '?';
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  } catch {
    redisVersion = 'unreachable';
  } finally {
    redis.disconnect();
  }
  const cpus = os.cpus();
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model ?? '?'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    postgres: `${pg} (${settings})`,
    redis: redisVersion,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

async function searchSelectivity(db: Pool): Promise<string> {
  const words = [...searchWords.common, ...searchWords.medium, ...searchWords.rare];
  const { rows } = await db.query<{ w: string; n: string }>(
    `SELECT w, (SELECT count(*) FROM tickets WHERE deleted_at IS NULL AND search_vector @@ websearch_to_tsquery('english', w)) AS n
       FROM unnest($1::text[]) AS w`,
    [words],
  );
  return rows.map((r) => `${r.w}: ${num(Number(r.n))}`).join(', ');
}

/** Removes what the write scenarios made, so runs leave the data set as seeded. */
async function cleanupWrites(db: Pool, since: Date): Promise<string> {
  // Only in a database the seeder made: never delete "recent rows" anywhere else.
  const { rows } = await db.query<{ seeded: boolean }>(
    `SELECT to_regclass('bench.seed_info') IS NOT NULL AS seeded`,
  );
  if (!rows[0]?.seeded) return 'skipped: not a database made by bench:seed (no bench.seed_info)';
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    // Auto-assigned tickets go back to the unassigned queue (the workload trigger follows).
    const assigned = await client.query<{ ticket_id: string }>(
      `DELETE FROM ticket_assignments WHERE assigned_at >= $1 RETURNING ticket_id`,
      [since],
    );
    await client.query(
      `UPDATE tickets SET assignee_id = NULL WHERE id = ANY($1::uuid[]) AND created_at < $2`,
      [assigned.rows.map((r) => r.ticket_id), since],
    );
    const made = `SELECT id FROM tickets WHERE created_at >= $1`;
    await client.query(`DELETE FROM sla_alerts WHERE ticket_id IN (${made})`, [since]);
    for (const table of ['sla_clocks', 'ticket_slas', 'slack_notifications'])
      await client.query(`DELETE FROM ${table} WHERE ticket_id IN (${made})`, [since]);
    const gone = await client.query<{ ticket_id: string }>(
      `DELETE FROM messages WHERE created_at >= $1 RETURNING ticket_id`,
      [since],
    );
    await client.query(`DELETE FROM ticket_status_changes WHERE created_at >= $1`, [since]);
    const tickets = await client.query(`DELETE FROM tickets WHERE created_at >= $1`, [since]);
    const touched = [...new Set(gone.rows.map((r) => r.ticket_id))];
    await client.query(
      `UPDATE tickets SET search_vector = ticket_search_document(subject, id) WHERE id = ANY($1::uuid[])`,
      [touched],
    );
    await client.query('COMMIT');
    await restoreDue(db);
    return (
      `removed ${num(tickets.rowCount ?? 0)} tickets and ${num(gone.rowCount ?? 0)} messages made by this run, ` +
      `put ${num(assigned.rowCount ?? 0)} auto-assigned tickets back in the unassigned queue ` +
      `(replies' effects on SLA clocks stay: re-seed with --force for a pristine set)`
    );
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    return `could not remove this run's writes (${(err as Error).message}); re-seed with --force to reset`;
  } finally {
    client.release();
  }
}

async function clearRedisPrefix(redisUrl: string, prefix: string | undefined): Promise<void> {
  if (!prefix) return;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until the server is quiet: no active statements from the API or the baseline, the
 * watched process using under 10 % of a core, and /readyz (Postgres and Redis pings) fast. Autocannon stops sending at the end of a
 * scenario, not the server working (queued statements, event listeners still publishing), and
 * that leftover work must not load the next scenario.
 */
async function settle(
  db: Pool,
  pid: number | null,
  readyUrl: string | null,
  timeoutMs = 120_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    // Work queued in Redis (e.g. event fan-out) shows as a slow /readyz, whose check pings Redis.
    if (readyUrl) {
      const probe = Date.now();
      await fetch(readyUrl).catch(() => undefined);
      if (Date.now() - probe > 100 && Date.now() - started < timeoutMs) continue;
    }
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
          AND application_name IN ('crm-api', 'crm-bench-baseline')`,
    );
    const before = pid === null ? null : cpuMs(pid);
    await new Promise((r) => setTimeout(r, 500));
    const after = pid === null ? null : cpuMs(pid);
    const busy = before !== null && after !== null && after - before > 50;
    if ((Number(rows[0]?.n) === 0 && !busy) || Date.now() - started > timeoutMs) return Date.now() - started;
  }
}

function printRow(row: Row): void {
  const tag = `${row.id}${row.run > 1 ? ` (run ${row.run})` : ''}`;
  if (row.skipped) {
    console.log(`  ${tag.padEnd(22)} skipped (${row.skipped})`);
    return;
  }
  if (row.custom) {
    console.log(`  ${tag.padEnd(22)} ${row.custom.summary}`);
    return;
  }
  const a = row.api as LoadResult;
  const units = row.perUnit ? ` (${(a.rps / row.perUnit).toFixed(1)} ${row.unit}/s)` : '';
  const bad =
    a.non2xx + a.errors > 0 ? `  NON-2XX ${a.non2xx} ERR ${a.errors} ${JSON.stringify(a.statuses)}` : '';
  console.log(
    `  ${tag.padEnd(22)} ${num(a.rps).padStart(7)} req/s${units}  p50 ${ms(a.p50)}  p95 ${ms(a.p95)}  p99 ${ms(a.p99)} ms` +
      `  CPU ${cpu(a)} ms/req  RSS ${a.peakRssMb ?? '—'} MB${bad}${(row.settledMs ?? 0) > 1000 ? `  (busy ${(row.settledMs ?? 0) / 1000} s after)` : ''}`,
  );
  if (row.baseline) {
    const b = row.baseline;
    console.log(
      `  ${''.padEnd(22)} baseline ${num(b.rps)} req/s  p50 ${ms(b.p50)}  p95 ${ms(b.p95)}  p99 ${ms(b.p99)} ms` +
        `  CPU ${cpu(b)} ms/req  → ratio ${(row.ratio ?? 0).toFixed(2)} (CPU ${cpuRatio(row)})${b.non2xx + b.errors > 0 ? `  BASELINE NON-2XX ${b.non2xx} ERR ${b.errors}` : ''}`,
    );
  }
}

const cpu = (r: LoadResult) => (r.cpuMsPerRequest === null ? '—' : r.cpuMsPerRequest.toFixed(2));
/** Baseline CPU per request ÷ ours: the throughput ratio a CPU-bound server would reach. */
const cpuRatio = (row: Row) =>
  row.api?.cpuMsPerRequest && row.baseline?.cpuMsPerRequest
    ? (row.baseline.cpuMsPerRequest / row.api.cpuMsPerRequest).toFixed(2)
    : '—';

function verdict(row: Row): string {
  if (!row.api || !row.target) return '';
  const misses: string[] = [];
  const t = row.target;
  if (t.p95Ms !== undefined && row.api.p95 > t.p95Ms) misses.push(`p95 > ${t.p95Ms} ms`);
  if (t.minRps !== undefined && row.api.rps < t.minRps) misses.push(`< ${t.minRps}/s`);
  if (t.minRatio !== undefined && row.ratio !== undefined && row.ratio < t.minRatio)
    misses.push(`ratio < ${t.minRatio}`);
  return misses.length ? `misses: ${misses.join(', ')}` : 'meets target';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    console.log(usage);
    return;
  }
  const duration = Math.min(20, intArg(args, 'duration', 10));
  const warmup = intArg(args, 'warmup', 3);
  const connections = intArg(args, 'connections', 64);
  const runs = Math.max(1, intArg(args, 'runs', 1));
  const only = args
    .get('scenarios')
    ?.split(',')
    .map((s) => s.trim());
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? defaultBenchDatabaseUrl;
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const poolSize = Number(process.env.DB_POOL_SIZE ?? 20);
  const all = scenarios();
  const chosen = only ? all.filter((s) => only.includes(s.id)) : all;
  if (only && chosen.length !== only.length)
    throw new Error(`unknown scenario in --scenarios; known: ${all.map((s) => s.id).join(', ')}`);

  const db = new Pool({ connectionString: databaseUrl, max: 2, application_name: 'crm-bench-runner' });
  const runStart = new Date();
  let api: (Running & { env?: NodeJS.ProcessEnv }) | null = null;
  let baseline: Running | null = null;
  const rows: Row[] = [];
  try {
    const info = await machine(db, redisUrl);
    const { rows: sizes } = await db.query<{ tickets: string; open: string; messages: string }>(
      `SELECT (SELECT count(*) FROM tickets) AS tickets,
              (SELECT count(*) FROM tickets WHERE status = 'open' AND deleted_at IS NULL) AS open,
              (SELECT reltuples::bigint FROM pg_class WHERE relname = 'messages') AS messages`,
    );
    console.log(
      `Machine: ${Object.entries(info)
        .map(([k, v]) => `${k} ${v}`)
        .join('; ')}`,
    );
    console.log(
      `Data: ${new URL(databaseUrl).pathname.slice(1)}: ${num(Number(sizes[0]?.tickets))} tickets ` +
        `(${num(Number(sizes[0]?.open))} open), ~${num(Number(sizes[0]?.messages))} messages`,
    );
    console.log(`Search words (matching tickets): ${await searchSelectivity(db)}`);
    const pools: Pools = await loadPools(db);
    console.log(
      `Pools: ${pools.agentIds.length} agents with open tickets, ${num(pools.ticketIds.length)} tickets, ` +
        `${num(pools.openTicketIds.length)} open tickets, ${num(pools.customerIds.length)} customers, ` +
        `${num(pools.unassignedIds.length)} unassigned`,
    );

    const given = args.get('url');
    if (given) {
      api = {
        url: given.replace(/\/$/, ''),
        pid: args.has('pid') ? intArg(args, 'pid', 0) : null,
        stop: async () => undefined,
      };
    } else {
      const profDir = args.get('cpu-prof');
      if (profDir) mkdirSync(profDir, { recursive: true });
      api = await startApi({
        databaseUrl,
        redisUrl,
        nodeArgs: [
          ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`] : []),
          ...(args.get('node-flags')?.split(/\s+/).filter(Boolean) ?? []),
        ],
      });
      const idleRss = api.pid === null ? 0 : Math.round(RssSampler.readKb(api.pid) / 1024);
      console.log(
        `API: started dist/src/main.js (pid ${api.pid}, pool ${poolSize}, RSS at rest ${idleRss} MB) at ${api.url}`,
      );
    }
    const routes = await documentedRoutes(api.url);
    const token = await login(api.url, benchUsers.lead);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    if (!args.has('no-baseline') && chosen.some((s) => s.kind === 'http' && s.baseline)) {
      baseline = await startBaseline(databaseUrl, poolSize);
      console.log(`Baseline: bare node:http + pg (pool ${poolSize}) at ${baseline.url}`);
    }
    console.log(
      `Load: ${connections} connections, ${warmup} s warm-up + ${duration} s measured per scenario, ${runs} run(s)\n`,
    );

    for (const scenario of chosen) {
      for (let run = 1; run <= runs; run++) {
        const row: Row = { id: scenario.id, run, title: scenario.title };
        if (scenario.kind === 'custom') {
          const outcome = await scenario.run({ apiEnv: api.env ?? null, db });
          if ('skipped' in outcome) row.skipped = outcome.skipped;
          else row.custom = outcome;
        } else if (
          scenario.requires &&
          !routes.has(`${scenario.requires.method} ${scenario.requires.path}`)
        ) {
          row.skipped = scenario.skipReason ?? 'route missing';
        } else {
          const base = { connections, duration, warmup, headers };
          if (scenario.prepare)
            console.log(`  prepare: ${await scenario.prepare({ url: api.url, headers, pools })}`);
          row.api = await runLoad({ ...base, url: api.url, requests: scenario.requests(pools) }, api.pid);
          row.settledMs = await settle(db, api.pid, `${api.url}/readyz`);
          if (baseline && scenario.baseline) {
            row.baseline = await runLoad(
              { ...base, url: baseline.url, requests: scenario.requests(pools) },
              baseline.pid,
            );
            await settle(db, baseline.pid, null);
            row.ratio = row.api.rps / row.baseline.rps;
          }
          Object.assign(row, { perUnit: scenario.perUnit, unit: scenario.unit, target: scenario.target });
        }
        if (run === 1) console.log(`${scenario.id}: ${scenario.title}`);
        printRow(row);
        rows.push(row);
        if (row.skipped) break;
      }
    }
  } finally {
    await baseline?.stop();
    await api?.stop();
    if (!args.has('url'))
      await clearRedisPrefix(redisUrl, api && 'env' in api ? api.env?.REDIS_PREFIX : undefined);
    if (!args.has('keep-writes')) console.log(`\nCleanup: ${await cleanupWrites(db, runStart)}`);
    await db.end();
  }

  console.log('\nSummary (best run of each scenario by throughput):');
  console.log(
    '  scenario               req/s     p50     p95     p99  CPU ms/req  baseline  ratio  CPU ratio  RSS MB  verdict',
  );
  const best = new Map<string, Row>();
  for (const row of rows) {
    const prev = best.get(row.id);
    if (!prev || (row.api && prev.api && row.api.rps > prev.api.rps)) best.set(row.id, row);
  }
  for (const row of best.values()) {
    if (!row.api) {
      console.log(
        `  ${row.id.padEnd(22)} ${row.skipped ? `skipped (${row.skipped})` : (row.custom?.summary ?? '')}`,
      );
      continue;
    }
    const a = row.api;
    console.log(
      `  ${row.id.padEnd(20)} ${num(a.rps).padStart(7)} ${ms(a.p50).padStart(7)} ${ms(a.p95).padStart(7)} ${ms(a.p99).padStart(7)}` +
        ` ${cpu(a).padStart(11)}` +
        ` ${row.baseline ? num(row.baseline.rps).padStart(9) : '        —'} ${row.ratio ? row.ratio.toFixed(2).padStart(6) : '     —'}` +
        ` ${cpuRatio(row).padStart(10)}` +
        ` ${String(a.peakRssMb ?? '—').padStart(7)}  ${verdict(row)}`,
    );
  }
  const json = args.get('json');
  if (json) {
    writeFileSync(
      json,
      JSON.stringify({ at: runStart.toISOString(), connections, duration, warmup, rows }, null, 2),
    );
    console.log(`\nWrote ${json}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
