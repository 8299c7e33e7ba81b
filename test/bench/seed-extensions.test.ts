import { Pool } from 'pg';
import { benchMonitor } from '../../bench/lib/extensions/sla';
import { benchUsers, seedBenchDatabase, type SeedOptions } from '../../bench/lib/seed-data';
import { seedExtensions } from '../../bench/lib/seed-extensions';
import {
  addBusinessSeconds,
  compileBusinessHours,
  type BusinessHours,
} from '../../src/modules/sla/business-clock';
import { nextCheckAt } from '../../src/modules/sla/sla-tracker';
import { CLOCK_COLUMNS, toClock, type ClockRow } from '../../src/modules/sla/sla.repository';
import { churnScore, localDna } from '../../src/modules/intelligence/local/churn-score';
import { IntelligenceRepository } from '../../src/modules/intelligence/intelligence.repository';
import { startTestApp, type TestApp } from '../setup/test-app';

/**
 * The seed's extensions make what the app would have made: counters equal the app's recount,
 * every open ticket is tracked, due times and monitor checks follow the app's SLA code, cached
 * insights follow the local intelligence, and routing finds free agents. Tiny data set.
 */
describe('bench seed extensions', () => {
  let app: TestApp;
  let db: Pool;
  let seededFrom: Date;
  let opts: SeedOptions;

  beforeAll(async () => {
    app = await startTestApp();
    opts = { url: app.config.db.url, tickets: 400, customers: 60, agents: 14, batchSize: 150 };
    seededFrom = new Date();
    const seeded = await seedBenchDatabase(opts);
    expect(seeded.extensions.map((e) => e.name)).toEqual(seedExtensions.map((e) => e.name));
    db = new Pool({ connectionString: app.config.db.url, max: 2 });
  });

  afterAll(async () => {
    await db?.end();
    await app?.stop();
  });

  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
    const { rows } = await db.query(sql, params);
    return rows[0] as T;
  };

  it('when seeded, then every agent open-ticket count equals the app recount and history matches assignees', async () => {
    const drift = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM agents a
         LEFT JOIN (SELECT assignee_id, count(*)::int AS c FROM tickets
                     WHERE deleted_at IS NULL AND status IN ('new','open','on_hold') GROUP BY assignee_id) t
           ON t.assignee_id = a.id
        WHERE a.open_tickets <> coalesce(t.c, 0)`,
    );
    expect(drift.n).toBe(0);
    const history = await one<{ assigned: number; missing: number; wrong: number; live: number }>(
      `SELECT count(*)::int AS assigned,
              count(*) FILTER (WHERE s.id IS NULL)::int AS missing,
              count(*) FILTER (WHERE s.agent_id <> t.assignee_id)::int AS wrong,
              count(*) FILTER (WHERE s.status IN ('assigned','accepted','in_progress'))::int AS live
         FROM tickets t
         LEFT JOIN LATERAL (SELECT * FROM ticket_assignments s WHERE s.ticket_id = t.id
                             ORDER BY s.assigned_at DESC LIMIT 1) s ON true
        WHERE t.assignee_id IS NOT NULL`,
    );
    expect(history.assigned).toBeGreaterThan(0);
    expect(history).toMatchObject({ missing: 0, wrong: 0 });
    expect(history.live).toBeGreaterThan(0);
  });

  it('when seeded, then every open ticket has a tracker with first-response and resolution clocks', async () => {
    const open = await one<{ open: number; untracked: number; noClocks: number }>(
      `SELECT count(*)::int AS open,
              count(*) FILTER (WHERE s.ticket_id IS NULL)::int AS untracked,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM sla_clocks c WHERE c.ticket_id = t.id AND c.current
                                                   AND c.target = 'first_response')
                                  OR NOT EXISTS (SELECT 1 FROM sla_clocks c WHERE c.ticket_id = t.id AND c.current
                                                   AND c.target = 'resolution'))::int AS "noClocks"
         FROM tickets t LEFT JOIN ticket_slas s ON s.ticket_id = t.id
        WHERE t.status IN ('new','open','on_hold','pending')`,
    );
    expect(open.open).toBeGreaterThan(0);
    expect(open).toMatchObject({ untracked: 0, noClocks: 0 });
    // The simulated monitor caught up: nothing was left due before the last tick of the seed.
    const due = await one<{ n: number }>(`SELECT count(*)::int AS n FROM sla_clocks WHERE check_at < $1`, [
      new Date(seededFrom.getTime() - 60_000),
    ]);
    expect(due.n).toBe(0);
  });

  it('when seeded, then sampled due times, check times and ticket due times are what the app computes', async () => {
    const { rows } = await db.query<
      ClockRow & {
        check_at: Date | null;
        paused_at: Date | null;
        deleted: boolean;
        business_hours: BusinessHours | null;
      }
    >(
      `SELECT ${CLOCK_COLUMNS}, c.check_at, s.paused_at, t.deleted_at IS NOT NULL AS deleted, v.business_hours
         FROM sla_clocks c JOIN ticket_slas s ON s.ticket_id = c.ticket_id
         JOIN tickets t ON t.id = c.ticket_id
         JOIN sla_policy_versions v ON v.id = c.policy_version_id
        ORDER BY c.state = 'running' DESC, c.id LIMIT 300`,
    );
    expect(rows.length).toBe(300);
    const warningMs = benchMonitor(42).warningMs;
    for (const r of rows) {
      const clock = toClock(r);
      const hours = r.business_hours ? compileBusinessHours(r.business_hours) : null;
      const due = addBusinessSeconds(
        clock.startedAt,
        clock.targetMinutes * 60 + clock.extensionMs / 1000,
        hours,
      );
      expect(clock.dueAt.toISOString()).toBe(due.toISOString());
      const check = r.deleted ? null : nextCheckAt({ pausedAt: r.paused_at }, clock, warningMs);
      expect(r.check_at?.toISOString() ?? null).toBe(check?.toISOString() ?? null);
    }
    const sort = await one<{ wrong: number; withDue: number }>(
      `SELECT count(*) FILTER (WHERE t.sla_due_at IS DISTINCT FROM d.due)::int AS wrong,
              count(*) FILTER (WHERE t.sla_due_at IS NOT NULL)::int AS "withDue"
         FROM tickets t
         LEFT JOIN (SELECT ticket_id, min(due_at) AS due FROM sla_clocks
                     WHERE current AND state = 'running' GROUP BY ticket_id) d ON d.ticket_id = t.id`,
    );
    expect(sort.withDue).toBeGreaterThan(0);
    expect(sort.wrong).toBe(0);
    // Every breach the monitor recorded has its alert.
    const alerts = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_clocks c WHERE c.breached_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sla_alerts a WHERE a.clock_id = c.id AND a.kind = 'breach')`,
    );
    expect(alerts.n).toBe(0);
  });

  it('when seeded, then cached insights are what the local intelligence computes and tickets carry the value', async () => {
    const repo = new IntelligenceRepository(app.container.db);
    const { rows } = await db.query<{
      customer_id: string;
      tier: 'standard' | 'vip';
      churn_probability: number;
      churn_risk_level: string;
      archetype: string;
      lifetime_value: number;
      customer_value: number;
    }>(
      `SELECT ci.customer_id, c.tier, ci.churn_probability, ci.churn_risk_level, ci.archetype, ci.lifetime_value,
              ci.customer_value
         FROM customer_insights ci JOIN customers c ON c.id = ci.customer_id ORDER BY ci.customer_id`,
    );
    expect(rows.length).toBeGreaterThan(20);
    const now = new Date();
    for (const r of rows) {
      const [orders, activity, breached] = await Promise.all([
        app.container.services.shopify.orders.summaryFor(r.customer_id),
        repo.ticketActivity(r.customer_id),
        app.container.services.sla.breachedTickets(r.customer_id, new Date(now.getTime() - 90 * 86_400_000)),
      ]);
      const signals = {
        orders,
        ticketsLast90Days: activity.ticketsLast90Days,
        unresolvedTickets: activity.unresolvedTickets,
        breachedTickets: breached,
        tier: r.tier,
      };
      const churn = churnScore(signals, now);
      const dna = localDna(signals, now);
      const value = Math.round(churn.probability * dna.lifetimeValue * 100) / 100;
      expect({
        id: r.customer_id,
        p: r.churn_probability,
        risk: r.churn_risk_level,
        arch: r.archetype,
      }).toEqual({
        id: r.customer_id,
        p: churn.probability,
        risk: churn.riskLevel,
        arch: dna.archetype,
      });
      expect(r.lifetime_value).toBe(dna.lifetimeValue);
      expect(r.customer_value).toBe(value);
    }
    const tickets = await one<{ wrong: number }>(
      `SELECT count(*)::int AS wrong FROM tickets t LEFT JOIN customer_insights ci ON ci.customer_id = t.customer_id
        WHERE t.deleted_at IS NULL AND t.customer_value <> coalesce(ci.customer_value, 0)`,
    );
    expect(tickets.wrong).toBe(0);
  });

  it('when an unassigned open ticket is auto-assigned through the API, then an agent with headroom takes it', async () => {
    const login = await app.http
      .post('/api/auth/login')
      .send({ email: benchUsers.lead, password: benchUsers.password });
    expect(login.status).toBe(200);
    const ticket = await one<{ id: string } | undefined>(
      `SELECT id FROM tickets WHERE status IN ('new','open') AND assignee_id IS NULL AND deleted_at IS NULL
        ORDER BY number DESC LIMIT 1`,
    );
    expect(ticket).toBeDefined();
    const res = await app.http
      .post(`/api/tickets/${ticket?.id}/auto-assign`)
      .set('authorization', `Bearer ${login.body.accessToken}`);
    expect([200, 201]).toContain(res.status);
  });

  it('when the seed runs again, then it is a no-op; when an extension is newer, only it and those after it run', async () => {
    const tables = ['ticket_assignments', 'sla_clocks', 'sla_alerts', 'customer_insights', 'shopify_orders'];
    const count = async () =>
      Object.fromEntries(
        await Promise.all(
          tables.map(async (t) => [t, (await one<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).n]),
        ),
      );
    const before = await count();
    const again = await seedBenchDatabase(opts);
    expect(again.skipped).toBe(true);
    expect(await count()).toEqual(before);

    // As if the shopify extension had been bumped since this data set was made.
    await db.query(
      `UPDATE bench.seed_info SET info = jsonb_set(info, '{extensions,shopify}', '0') WHERE id = 1`,
    );
    const bumped = await seedBenchDatabase(opts);
    expect(bumped.skipped).toBe(false);
    expect(bumped.extensions.map((e) => e.name)).toEqual(['shopify', 'intelligence']);
    expect(await count()).toEqual(before);
    expect((await seedBenchDatabase(opts)).skipped).toBe(true);
  });
});
