import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import pino from 'pino';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { createContainer, type Container } from '../src/container';
import { createDataSource } from '../src/platform/db/data-source';
import { addDays, localDay } from '../src/modules/analytics/days';

/**
 * Analytics benchmark: seeds a support history (default 1,000,000 tickets over a year, with
 * messages, status history, assignments, SLA outcomes and agents' status intervals) set-based in
 * SQL, builds the rollups with the real rebuild, then measures
 *   1. every report's latency over a 30-day range (p50/p95/max over --samples calls, through
 *      HTTP into the real app), and
 *   2. the refresh job's cost against the number of tickets changed,
 * and prints Markdown tables for BENCHMARKS.md.
 *
 *   npm run build && node dist/bench/analytics.js [--tickets 1000000] [--samples 60] [--reseed]
 *
 * BENCH_ANALYTICS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/crm_bench_analytics_<tickets>)
 * names the database; it is created when missing, and a database that already has tickets (this
 * script's, or one loaded by `npm run bench:seed`) is reused: only the rollups are built.
 */

const { values: args } = parseArgs({
  options: {
    tickets: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '60' },
    reseed: { type: 'boolean', default: false },
    'skip-refresh': { type: 'boolean', default: false },
  },
});
const TICKETS = Number(args.tickets);
const SAMPLES = Number(args.samples);
const AGENTS = 200;
const CUSTOMERS = Math.max(100, Math.round(TICKETS / 10));
const DAYS = 365;
const url =
  process.env.BENCH_ANALYTICS_DATABASE_URL ??
  `postgres://postgres@127.0.0.1:5432/crm_bench_analytics_${TICKETS}`;

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  log(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function ensureDatabase(): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected database name ${name}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (args.reseed && found.rowCount) await client.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    if (!found.rowCount || args.reseed) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const ds = createDataSource({
    url,
    poolSize: 2,
    statementTimeoutMs: 0,
    applicationName: 'bench-analytics',
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
}

const categories = [
  'billing',
  'shipping',
  'returns',
  'account',
  'orders',
  'product',
  'payments',
  'refunds',
  'technical',
  'feedback',
  'warranty',
  'other',
];

/** The whole history in a handful of INSERT … SELECT statements (triggers off while loading). */
async function seed(client: Client): Promise<void> {
  await client.query(`SET session_replication_role = replica`);
  await client.query(`SET statement_timeout = 0`);
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET work_mem = '256MB'`);
  await client.query(`SELECT setseed(0.42)`);
  await client.query(`CREATE SCHEMA IF NOT EXISTS bench`);
  await client.query(`DROP TABLE IF EXISTS bench.plan, bench.agents, bench.customers`);
  await timed('agents and customers', async () => {
    // bcrypt('bench-password-1', 4): the accounts are usable for logins too.
    const hash = '$2b$04$0YxGHQ2n1Q8m7xJm9m6fHe2yq8wB0b9n7d4nB0mG9yqkC1Q5V2h7K';
    await client.query(
      `INSERT INTO agents (email, name, password_hash, role, department, max_concurrent_tickets)
       SELECT 'bench-agent-' || g || '@bench.test', 'Agent ' || g, $1,
              CASE WHEN g = 1 THEN 'lead' ELSE 'agent' END, 'team-' || (g % 5), 50
         FROM generate_series(1, $2) g`,
      [hash, AGENTS],
    );
    await client.query(
      `CREATE TABLE bench.agents AS SELECT row_number() OVER (ORDER BY email)::int AS i, id FROM agents
        WHERE email LIKE 'bench-agent-%'`,
    );
    await client.query(
      `INSERT INTO customers (email, name, tier)
       SELECT 'customer-' || g || '@bench.test', 'Customer ' || g, CASE WHEN g % 20 = 0 THEN 'vip' ELSE 'standard' END
         FROM generate_series(1, $1) g`,
      [CUSTOMERS],
    );
    await client.query(
      `CREATE TABLE bench.customers AS SELECT row_number() OVER (ORDER BY email)::int AS i, id FROM customers
        WHERE email LIKE 'customer-%@bench.test'`,
    );
    await client.query(`CREATE UNIQUE INDEX ON bench.agents (i)`);
    await client.query(`CREATE UNIQUE INDEX ON bench.customers (i)`);
  });

  await timed('plan', async () => {
    // Per ticket: when things happened. Delays are log-uniform (minutes to days).
    await client.query(
      `CREATE UNLOGGED TABLE bench.plan AS
       SELECT p.*,
              CASE WHEN p.reopen_at IS NOT NULL AND p.res2_at < now() THEN p.res2_at
                   WHEN p.reopen_at IS NULL THEN p.res_at END AS final_res_at
         FROM (
           SELECT q.*,
                  CASE WHEN q.resolved AND q.r11 < 0.05 AND q.res_at + q.reopen_delay < now()
                       THEN q.res_at + q.reopen_delay END AS reopen_at,
                  q.res_at + q.reopen_delay + q.res2_delay AS res2_at
             FROM (
               SELECT x.*,
                      x.fr_at < now() AS responded,
                      x.fr_at < now() AND x.r10 < 0.9 AND x.res_at < now() AS resolved
                 FROM (
                   SELECT g AS i, gen_random_uuid() AS id, c.created_at,
                          (1 + floor(power(random(), 2) * $1))::int AS cust,
                          CASE WHEN r.r3 < 0.95 THEN (2 + floor(r.r4 * ($2 - 1)))::int END AS agent,
                          CASE WHEN r.r5 < 0.05 THEN 'urgent' WHEN r.r5 < 0.25 THEN 'high'
                               WHEN r.r5 < 0.85 THEN 'normal' ELSE 'low' END AS priority,
                          CASE WHEN r.r6 < 0.40 THEN 'email' WHEN r.r6 < 0.65 THEN 'chat' WHEN r.r6 < 0.80 THEN 'web'
                               WHEN r.r6 < 0.88 THEN 'phone' WHEN r.r6 < 0.95 THEN 'shopify'
                               WHEN r.r6 < 0.98 THEN 'gorgias' ELSE 'slack' END AS channel,
                          CASE WHEN r.r7 < 0.1 THEN NULL
                               ELSE ($3::text[])[1 + floor((r.r7 - 0.1) / 0.9 * 12)::int] END AS category,
                          c.created_at + exp(r.r8 * ln(2880)) * interval '1 minute' AS fr_at,
                          c.created_at + exp(r.r8 * ln(2880)) * interval '1 minute'
                            + exp(r.r9 * ln(10080)) * interval '1 minute' AS res_at,
                          exp(random() * ln(4320)) * interval '1 minute' AS reopen_delay,
                          exp(random() * ln(1440)) * interval '1 minute' AS res2_delay,
                          r.r10, r.r11,
                          r.r14 < 0.5 AS closes, r.r15 < 0.05 AS transfers, r.r16, r.r17 < 0.7 AS accepts,
                          r.r18 < 0.3 AS notes, r.r19 < 0.003 AS deleted, r.r20 < 0.5 AS manual
                     FROM generate_series(1, $4) g
                     CROSS JOIN LATERAL (SELECT now() - random() * $5 * interval '1 day' AS created_at, g AS dummy) c
                     CROSS JOIN LATERAL (SELECT random() r3, random() r4, random() r5, random() r6, random() r7,
                                                random() r8, random() r9, random() r10, random() r11, random() r14,
                                                random() r15, random() r16, random() r17, random() r18,
                                                random() r19, random() r20, g AS dummy) r
                 ) x
             ) q
         ) p`,
      [CUSTOMERS, AGENTS, categories, TICKETS, DAYS],
    );
    await client.query(
      `ALTER TABLE bench.plan ADD COLUMN agent2 int, ADD COLUMN transfer_at timestamptz,
                              ADD COLUMN closed_at timestamptz, ADD COLUMN status text`,
    );
    await client.query(
      `UPDATE bench.plan SET
         agent2 = CASE WHEN transfers AND agent IS NOT NULL
                       THEN 2 + ((agent - 2 + 1 + floor(r16 * ($1 - 2))::int) % ($1 - 1)) END,
         transfer_at = CASE WHEN transfers AND agent IS NOT NULL THEN created_at + (fr_at - created_at) / 2 END,
         closed_at = CASE WHEN closes AND reopen_at IS NULL AND resolved AND res_at + interval '3 days' < now()
                          THEN res_at + interval '3 days' END,
         status = CASE WHEN NOT responded THEN 'new'
                       WHEN NOT resolved THEN 'open'
                       WHEN reopen_at IS NULL AND closes AND res_at + interval '3 days' < now() THEN 'closed'
                       WHEN reopen_at IS NULL THEN 'solved'
                       WHEN final_res_at IS NOT NULL THEN 'solved'
                       ELSE 'open' END`,
      [AGENTS],
    );
  });

  await timed('tickets', () =>
    client.query(
      `INSERT INTO tickets (id, subject, status, priority, channel, customer_id, assignee_id, category,
                            first_responded_at, resolved_at, closed_at, created_at, updated_at, deleted_at)
       SELECT p.id, 'Ticket ' || p.i, p.status, p.priority, p.channel, c.id, a.id, p.category,
              CASE WHEN p.responded THEN p.fr_at END, p.final_res_at, p.closed_at, p.created_at,
              greatest(p.created_at, CASE WHEN p.responded THEN p.fr_at END, p.final_res_at, p.closed_at, p.reopen_at),
              CASE WHEN p.deleted THEN now() END
         FROM bench.plan p
         JOIN bench.customers c ON c.i = p.cust
         LEFT JOIN bench.agents a ON a.i = coalesce(p.agent2, p.agent)`,
    ),
  );
  await timed('status history', () =>
    client.query(
      `INSERT INTO ticket_status_changes (ticket_id, from_status, to_status, created_at)
       SELECT id, NULL, 'new', created_at FROM bench.plan
       UNION ALL SELECT id, 'new', 'open', fr_at FROM bench.plan WHERE responded
       UNION ALL SELECT id, 'open', 'solved', res_at FROM bench.plan WHERE resolved
       UNION ALL SELECT id, 'solved', 'open', reopen_at FROM bench.plan WHERE reopen_at IS NOT NULL
       UNION ALL SELECT id, 'open', 'solved', res2_at FROM bench.plan WHERE reopen_at IS NOT NULL AND res2_at < now()
       UNION ALL SELECT id, 'solved', 'closed', closed_at FROM bench.plan WHERE closed_at IS NOT NULL`,
    ),
  );
  await timed('messages', () =>
    client.query(
      `INSERT INTO messages (ticket_id, author_type, agent_id, customer_id, body, internal, created_at, updated_at)
       SELECT p.id, 'customer', NULL, c.id, 'Hello, I need help', false, p.created_at, p.created_at
         FROM bench.plan p JOIN bench.customers c ON c.i = p.cust
       UNION ALL
       SELECT p.id, 'agent', a.id, NULL, 'Thanks, looking into it', false, p.fr_at, p.fr_at
         FROM bench.plan p LEFT JOIN bench.agents a ON a.i = coalesce(p.agent2, p.agent) WHERE p.responded
       UNION ALL
       SELECT p.id, 'agent', a.id, NULL, 'internal note', true, p.fr_at + interval '1 minute', p.fr_at + interval '1 minute'
         FROM bench.plan p JOIN bench.agents a ON a.i = coalesce(p.agent2, p.agent)
        WHERE p.responded AND p.notes AND p.fr_at + interval '1 minute' < now()
       UNION ALL
       SELECT p.id, 'customer', NULL, c.id, 'It happened again', false, p.reopen_at, p.reopen_at
         FROM bench.plan p JOIN bench.customers c ON c.i = p.cust WHERE p.reopen_at IS NOT NULL`,
    ),
  );
  await timed('assignments', () =>
    client.query(
      `INSERT INTO ticket_assignments (ticket_id, agent_id, previous_agent_id, method, reason, status, assigned_at,
                                       accepted_at, completed_at, transferred_at, transferred_to)
       SELECT p.id, a.id, NULL, CASE WHEN p.manual THEN 'manual' ELSE 'auto' END, 'bench',
              CASE WHEN p.agent2 IS NOT NULL THEN 'transferred' WHEN p.resolved THEN 'completed'
                   WHEN p.accepts THEN 'accepted' ELSE 'assigned' END,
              p.created_at + interval '1 minute',
              CASE WHEN p.accepts THEN p.created_at + interval '3 minutes' END,
              CASE WHEN p.agent2 IS NULL AND p.resolved THEN p.res_at END,
              p.transfer_at, b.id
         FROM bench.plan p JOIN bench.agents a ON a.i = p.agent LEFT JOIN bench.agents b ON b.i = p.agent2
        WHERE p.created_at + interval '3 minutes' < now()
       UNION ALL
       SELECT p.id, b.id, a.id, 'transfer', 'bench', CASE WHEN p.resolved THEN 'completed' ELSE 'assigned' END,
              p.transfer_at, NULL, CASE WHEN p.resolved THEN p.res_at END, NULL, NULL
         FROM bench.plan p JOIN bench.agents a ON a.i = p.agent JOIN bench.agents b ON b.i = p.agent2
        WHERE p.created_at + interval '3 minutes' < now()
       UNION ALL
       SELECT p.id, a.id, NULL, 'reopen', 'reopened', CASE WHEN p.final_res_at IS NOT NULL THEN 'completed' ELSE 'assigned' END,
              p.reopen_at, NULL, p.final_res_at, NULL, NULL
         FROM bench.plan p JOIN bench.agents a ON a.i = coalesce(p.agent2, p.agent)
        WHERE p.reopen_at IS NOT NULL AND p.created_at + interval '3 minutes' < now()`,
    ),
  );
  await timed('SLA policies and outcomes', async () => {
    await client.query(
      `INSERT INTO sla_policies (name, priority, first_response_minutes, resolution_minutes)
       VALUES ('Urgent', 'urgent', 30, 240), ('High', 'high', 60, 480), ('Normal', 'normal', 240, 2880)`,
    );
    await client.query(
      `INSERT INTO sla_policy_versions (policy_id, version, priority, first_response_minutes, resolution_minutes)
       SELECT id, 1, priority, first_response_minutes, resolution_minutes FROM sla_policies`,
    );
    await client.query(
      `INSERT INTO ticket_slas (ticket_id, policy_id, policy_version_id, priority, started_at,
                                first_response_ms, first_response_breached, first_response_decided_at,
                                resolution_ms, resolution_breached, resolution_decided_at)
       SELECT p.id, s.id, v.id, p.priority, p.created_at,
              CASE WHEN p.responded THEN (extract(epoch FROM p.fr_at - p.created_at) * 1000)::bigint END,
              fr.breached,
              CASE WHEN fr.breached THEN fr.due WHEN p.responded THEN p.fr_at END,
              CASE WHEN p.resolved THEN (extract(epoch FROM p.res_at - p.created_at) * 1000)::bigint END,
              res.breached,
              CASE WHEN res.breached THEN res.due WHEN p.resolved THEN p.res_at END
         FROM bench.plan p
         JOIN sla_policies s ON s.priority = p.priority
         JOIN sla_policy_versions v ON v.policy_id = s.id
         CROSS JOIN LATERAL (SELECT p.created_at + s.first_response_minutes * interval '1 minute' AS due) frd
         CROSS JOIN LATERAL (SELECT frd.due AS due,
                                    (CASE WHEN p.responded THEN p.fr_at ELSE now() END) > frd.due AS breached) fr
         CROSS JOIN LATERAL (SELECT p.created_at + s.resolution_minutes * interval '1 minute' AS due) rd
         CROSS JOIN LATERAL (SELECT rd.due AS due,
                                    (CASE WHEN p.resolved THEN p.res_at ELSE now() END) > rd.due AS breached) res`,
    );
  });
  await timed('status intervals', () =>
    client.query(
      `INSERT INTO analytics_agent_status_intervals (agent_id, status, started_at, ended_at, updated_at)
       SELECT a.id, s.status, s.started_at, s.started_at + s.length, s.started_at + s.length
         FROM bench.agents a
         CROSS JOIN generate_series(date_trunc('day', now()) - $1 * interval '1 day', date_trunc('day', now()) - interval '1 day',
                                    interval '1 day') d
         CROSS JOIN LATERAL (VALUES ('online', d + (8 + a.i % 8) * interval '1 hour', interval '7 hours'),
                                    ('busy', d + (15 + a.i % 8) * interval '1 hour', interval '1 hour')) s(status, started_at, length)
        WHERE a.i > 1`,
      [DAYS],
    ),
  );
  await client.query(`SET session_replication_role = origin`);
  await timed('workload counts and ANALYZE', async () => {
    await client.query(
      `UPDATE agents a SET open_tickets = c.n FROM (
         SELECT assignee_id, count(*)::int AS n FROM tickets
          WHERE assignee_id IS NOT NULL AND deleted_at IS NULL AND status IN ('new','open','on_hold') GROUP BY 1) c
        WHERE a.id = c.assignee_id`,
    );
    await client.query(`DELETE FROM analytics_changes`);
    await client.query(`VACUUM ANALYZE`);
  });
}

async function counts(client: Client): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [
    'tickets',
    'messages',
    'ticket_status_changes',
    'ticket_assignments',
    'ticket_slas',
    'analytics_agent_status_intervals',
    'analytics_ticket_ledger',
    'analytics_segment_daily',
    'analytics_agent_daily',
  ]) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    out[table] = Number(r.rows[0]?.n ?? 0);
  }
  return out;
}

function quantile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

async function measureReports(c: Container): Promise<string[]> {
  const app = buildApp(c);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Works on any seeded database (this one's or the bench branch's): a lead or admin reads the
  // reports; the busiest agent and the largest team are the ones asked about.
  const [leadRow] = (await c.db.query(
    `SELECT id FROM agents WHERE role IN ('lead','admin') AND active ORDER BY role DESC, email LIMIT 1`,
  )) as Array<{ id: string }>;
  const [agentRow] = (await c.db.query(
    `SELECT agent_id AS id FROM analytics_agent_daily GROUP BY agent_id ORDER BY sum(resolved) DESC LIMIT 1`,
  )) as Array<{ id: string }>;
  const [teamRow] = (await c.db.query(
    `SELECT department FROM agents WHERE department IS NOT NULL GROUP BY department ORDER BY count(*) DESC LIMIT 1`,
  )) as Array<{ department: string }>;
  const lead = await c.services.agents.get(leadRow?.id ?? '');
  const token = (await c.services.auth.startSession(lead)).accessToken;
  const today = localDay(new Date(), c.config.timezone);
  const range = `from=${addDays(today, -29)}&to=${today}`;
  const agentId = agentRow?.id ?? '';
  const reports: Array<[string, string]> = [
    ['team', `/api/analytics/team?${range}`],
    [
      'team (one department)',
      `/api/analytics/team?${range}&department=${encodeURIComponent(teamRow?.department ?? 'none')}`,
    ],
    ['agent', `/api/analytics/agents/${agentId}?${range}`],
    ['agent today', `/api/analytics/agents/${agentId}/today`],
    ['leaderboard resolved', `/api/analytics/leaderboard?${range}&metric=resolved`],
    ['leaderboard firstResponse', `/api/analytics/leaderboard?${range}&metric=firstResponse`],
    ['leaderboard resolution', `/api/analytics/leaderboard?${range}&metric=resolution`],
    ['leaderboard slaCompliance', `/api/analytics/leaderboard?${range}&metric=slaCompliance&minTickets=20`],
    ['volume by day', `/api/analytics/tickets/volume?${range}&interval=day`],
    ['volume by week', `/api/analytics/tickets/volume?${range}&interval=week`],
    ['volume by month', `/api/analytics/tickets/volume?${range}&interval=month`],
    ['channels', `/api/analytics/tickets/channels?${range}`],
    ['categories', `/api/analytics/tickets/categories?${range}`],
    ['SLA compliance', `/api/analytics/sla/compliance?${range}`],
    ['churn (top customers, VIP, repeats)', `/api/analytics/customers/churn?${range}`],
    ['leaderboard as CSV', `/api/analytics/leaderboard?${range}&format=csv`],
    ['team, 365 days', `/api/analytics/team?from=${addDays(today, -364)}&to=${today}`],
  ];
  const lines = [
    '| report (30 days unless said) | p50 ms | p95 ms | max ms | bytes |',
    '| --- | --- | --- | --- | --- |',
  ];
  try {
    for (const [name, path] of reports) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < SAMPLES + 5; i++) {
        const started = process.hrtime.bigint();
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.status !== 200) throw new Error(`${path} → ${res.status} ${text}`);
        bytes = text.length;
        if (i >= 5) times.push(ms);
      }
      times.sort((a, b) => a - b);
      const row = `| ${name} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} | ${(times[times.length - 1] ?? NaN).toFixed(1)} | ${bytes} |`;
      lines.push(row);
      log(row);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return lines;
}

async function measureRefresh(c: Container): Promise<string[]> {
  const rollups = c.services.analyticsRollups;
  const lines = [
    '| tickets changed | refresh ms (median) | tickets refolded | rollup rows written | ms per changed ticket |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const k of [0, 1, 10, 100, 1000, 10000]) {
    const runs = k <= 100 ? 5 : 1;
    const results: Array<{ ms: number; tickets: number; rows: number }> = [];
    for (let r = 0; r < runs; r++) {
      if (k > 0) {
        // Tickets from anywhere in the history change priority: all their figures move segment.
        await c.db.query(
          `UPDATE tickets SET priority = CASE priority WHEN 'low' THEN 'normal' WHEN 'normal' THEN 'low' ELSE priority END
            WHERE id IN (SELECT id FROM tickets TABLESAMPLE BERNOULLI ($1) WHERE deleted_at IS NULL
                          AND priority IN ('low','normal') LIMIT $2)`,
          [Math.min(100, (k / TICKETS) * 100 * 3 + 0.001), k],
        );
      }
      const result = await rollups.refresh();
      if (result.skipped || result.pending > 0)
        throw new Error(`refresh did not finish: ${JSON.stringify(result)}`);
      results.push({ ms: result.ms, tickets: result.tickets, rows: result.rows });
    }
    results.sort((a, b) => a.ms - b.ms);
    const mid = results[Math.floor(results.length / 2)] ?? { ms: NaN, tickets: 0, rows: 0 };
    const row = `| ${k} | ${mid.ms} | ${mid.tickets} | ${mid.rows} | ${k > 0 ? (mid.ms / k).toFixed(2) : '–'} |`;
    lines.push(row);
    log(row);
  }
  return lines;
}

async function main(): Promise<void> {
  await ensureDatabase();
  const client = new Client({ connectionString: url, application_name: 'bench-analytics-seed' });
  await client.connect();
  try {
    const existing = Number(
      (await client.query<{ n: string }>(`SELECT count(*) AS n FROM tickets`)).rows[0]?.n ?? 0,
    );
    if (existing === 0) {
      log(
        `seeding ${TICKETS.toLocaleString('en')} tickets, ${CUSTOMERS.toLocaleString('en')} customers, ${AGENTS} agents`,
      );
      await timed('seed total', () => seed(client));
    } else log(`reusing ${existing.toLocaleString('en')} tickets in ${new URL(url).pathname.slice(1)}`);
  } finally {
    await client.end();
  }

  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    DB_POOL_SIZE: '10',
    DB_STATEMENT_TIMEOUT_MS: '120000',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/1',
    REDIS_PREFIX: 'bench-analytics',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: 'warn',
    APP_TIMEZONE: 'UTC',
    AUTO_ASSIGN: 'off',
    ANALYTICS_BATCH_SIZE: process.env.ANALYTICS_BATCH_SIZE ?? '2000',
    ANALYTICS_MAX_BATCHES: '100000',
  });
  const c = await createContainer(config, { processName: 'cli', logger: pino({ level: 'warn' }) });
  try {
    const [built] = (await c.db.query(
      `SELECT (SELECT count(*) FROM analytics_ticket_ledger) AS ledger, (SELECT count(*) FROM tickets WHERE deleted_at IS NULL) AS live`,
    )) as Array<{ ledger: string; live: string }>;
    if (Number(built?.ledger) !== Number(built?.live)) {
      let last = Date.now();
      const result = await c.services.analyticsRollups.rebuildAll((done) => {
        if (Date.now() - last > 30_000) {
          last = Date.now();
          log(`  rebuild: ${done.toLocaleString('en')} tickets folded`);
        }
      });
      log(`rebuild: ${result.tickets.toLocaleString('en')} tickets in ${(result.ms / 1000).toFixed(1)} s`);
      await c.db.query(`VACUUM ANALYZE analytics_segment_daily`);
      await c.db.query(`VACUUM ANALYZE analytics_agent_daily`);
      await c.db.query(`VACUUM ANALYZE analytics_ticket_ledger`);
    }
    const probe = new Client({ connectionString: url });
    await probe.connect();
    const sizes = await counts(probe);
    await probe.end();
    console.log('\nRows:', sizes);

    const reportLines = await measureReports(c);
    console.log(`\n${reportLines.join('\n')}\n`);
    const started = Date.now();
    const nightly = await c.services.analyticsRollups.recomputeDay();
    log(
      `nightly recompute of ${nightly.day}: ${nightly.tickets} tickets, ${nightly.rows} rows, ${Date.now() - started} ms`,
    );
    if (!args['skip-refresh']) {
      const refreshLines = await measureRefresh(c);
      console.log(`\n${refreshLines.join('\n')}\n`);
    }
  } finally {
    await c.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
