import type { TicketEntity } from '../../src/modules/tickets/ticket.entity';
import { createAgent, createCustomer, type AgentWithToken } from '../factories';
import type { TestApp } from '../setup/test-app';

export const TIMEZONE = 'America/New_York';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface World {
  app: TestApp;
  lead: AgentWithToken;
  viewer: AgentWithToken;
  agents: AgentWithToken[];
  customers: { vip: string; regular: string[] };
  tickets: TicketEntity[];
}

export const tick = (app: TestApp) => app.container.services.slaMonitor.tick();
export const setNow = (app: TestApp, d: Date | null) => {
  app.container.services.sla.time.now = d ? () => d : () => new Date();
};
export const refresh = async (app: TestApp) => {
  await app.container.events.drain();
  return app.container.services.analyticsRollups.refresh();
};

/**
 * Moves a ticket's work (everything after its creation) back in time, as if it had been done
 * then: the services stamp work with the current time, and a report over several days needs
 * work on several days. The raw rows stay consistent with each other; the change-log triggers
 * see the edit like any other write.
 */
export async function shiftActivity(app: TestApp, ticketId: string, ms: number): Promise<void> {
  const by = `${ms} milliseconds`;
  await app.container.db.transaction(async (tx) => {
    await tx.query(
      `UPDATE messages m SET created_at = m.created_at - $2::interval
        FROM tickets t WHERE t.id = m.ticket_id AND m.ticket_id = $1 AND m.created_at > t.created_at`,
      [ticketId, by],
    );
    await tx.query(
      `UPDATE ticket_status_changes SET created_at = created_at - $2::interval
        WHERE ticket_id = $1 AND from_status IS NOT NULL`,
      [ticketId, by],
    );
    await tx.query(
      `UPDATE ticket_assignments SET assigned_at = assigned_at - $2::interval, accepted_at = accepted_at - $2::interval,
              started_at = started_at - $2::interval, completed_at = completed_at - $2::interval,
              transferred_at = transferred_at - $2::interval
        WHERE ticket_id = $1`,
      [ticketId, by],
    );
    await tx.query(
      `UPDATE tickets SET first_responded_at = first_responded_at - $2::interval, resolved_at = resolved_at - $2::interval,
              closed_at = closed_at - $2::interval
        WHERE id = $1`,
      [ticketId, by],
    );
    await tx.query(
      `UPDATE ticket_slas SET first_response_decided_at = first_response_decided_at - $2::interval,
              resolution_decided_at = resolution_decided_at - $2::interval
        WHERE ticket_id = $1 AND NOT first_response_breached AND NOT resolution_breached`,
      [ticketId, by],
    );
    await tx.query(
      `UPDATE sla_clocks SET ended_at = ended_at - $2::interval WHERE ticket_id = $1 AND ended_at IS NOT NULL
          AND breached_at IS NULL`,
      [ticketId, by],
    );
  });
}

interface Spec {
  daysAgo: number;
  hours?: number;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  channel: string;
  category?: string;
  customer: 'vip' | 0 | 1 | 2;
}

/** Tickets over the last week: every channel, several categories and priorities, one VIP. */
const specs: Spec[] = [
  { daysAgo: 6, priority: 'urgent', channel: 'email', category: 'billing', customer: 'vip' }, // 0
  { daysAgo: 6, hours: 3, priority: 'high', channel: 'chat', category: 'billing', customer: 'vip' }, // 1 repeat
  { daysAgo: 5, priority: 'normal', channel: 'web', category: 'shipping', customer: 0 }, // 2
  { daysAgo: 5, hours: 6, priority: 'low', channel: 'phone', category: 'shipping', customer: 0 }, // 3 repeat
  { daysAgo: 4, priority: 'normal', channel: 'email', category: 'returns', customer: 1 }, // 4
  { daysAgo: 4, hours: 2, priority: 'high', channel: 'shopify', customer: 2 }, // 5
  { daysAgo: 3, priority: 'urgent', channel: 'web', category: 'billing', customer: 1 }, // 6
  { daysAgo: 3, hours: 5, priority: 'normal', channel: 'gorgias', category: 'returns', customer: 1 }, // 7 repeat
  { daysAgo: 2, priority: 'normal', channel: 'slack', category: 'account', customer: 2 }, // 8
  { daysAgo: 2, hours: 8, priority: 'urgent', channel: 'chat', category: 'account', customer: 'vip' }, // 9
  { daysAgo: 1, priority: 'high', channel: 'email', category: 'shipping', customer: 0 }, // 10
  { daysAgo: 1, hours: 4, priority: 'low', channel: 'web', customer: 2 }, // 11
  { daysAgo: 0, hours: 3, priority: 'normal', channel: 'email', category: 'billing', customer: 1 }, // 12
  { daysAgo: 0, hours: 2, priority: 'normal', channel: 'chat', category: 'shipping', customer: 2 }, // 13
  { daysAgo: 0, hours: 1, priority: 'high', channel: 'phone', category: 'billing', customer: 'vip' }, // 14
  { daysAgo: 8, priority: 'normal', channel: 'email', category: 'account', customer: 0 }, // 15 before the range
];

/**
 * A varied week of support work, made through the real services and routes: imported tickets
 * (createdAt set by a lead), assignments, accepts, transfers, replies, notes, integration replies,
 * solves, reopens, closes, a pending ticket, a deleted ticket, a recategorised ticket, SLA
 * breaches from the monitor (with time moved for a next-reply breach), and agents' status
 * changes; some tickets' work is then moved to earlier days.
 */
export async function buildWorld(app: TestApp): Promise<World> {
  const c = app.container;
  const lead = await createAgent(c, { role: 'lead', name: 'Lead Lee' });
  const viewer = await createAgent(c, { role: 'viewer', name: 'Vera Viewer' });
  const agents = [
    await createAgent(c, { name: 'Ann Support', department: 'support', maxConcurrentTickets: 20 }),
    await createAgent(c, { name: 'Bob Support', department: 'support', maxConcurrentTickets: 20 }),
    await createAgent(c, { name: 'Cid Billing', department: 'billing', maxConcurrentTickets: 20 }),
  ];
  const [a1, a2, a3] = agents as [AgentWithToken, AgentWithToken, AgentWithToken];
  const vip = (await createCustomer(c, { tier: 'vip', name: 'Vic VIP' })).id;
  const regular = [
    (await createCustomer(c, { name: 'Rita, "Regular"' })).id,
    (await createCustomer(c, { name: 'Sam' })).id,
    (await createCustomer(c, { name: '=Formula Fan' })).id,
  ];
  const http = app.http;
  const post = (path: string, who: AgentWithToken, body: object, status = 200) =>
    http.post(path).set(who.auth).send(body).expect(status);

  for (const p of [
    { priority: 'urgent', firstResponseMinutes: 30, resolutionMinutes: 240, nextReplyMinutes: 60 },
    { priority: 'high', firstResponseMinutes: 60, resolutionMinutes: 480 },
    { priority: 'normal', firstResponseMinutes: 240, resolutionMinutes: 2880, nextReplyMinutes: 120 },
  ])
    await post('/api/sla/policies', lead, p, 201);

  const now = Date.now();
  const tickets: TicketEntity[] = [];
  for (const s of specs) {
    const res = await post(
      '/api/tickets',
      lead,
      {
        subject: `Ticket ${tickets.length}`,
        body: 'Please help',
        customerId: s.customer === 'vip' ? vip : regular[s.customer],
        priority: s.priority,
        channel: s.channel,
        ...(s.category ? { category: s.category } : {}),
        createdAt: new Date(now - s.daysAgo * DAY - (s.hours ?? 0) * HOUR - 10 * MIN).toISOString(),
      },
      201,
    );
    tickets.push(res.body as TicketEntity);
  }
  const t = (i: number) => {
    const ticket = tickets[i];
    if (!ticket) throw new Error(`no ticket ${i}`);
    return ticket.id;
  };

  // Old unanswered tickets breach their first-response and resolution targets.
  await tick(app);

  const assign = (i: number, who: AgentWithToken) =>
    post(`/api/tickets/${t(i)}/assign`, lead, { agentId: who.agent.id });
  const reply = (i: number, who: AgentWithToken, internal = false) =>
    post(`/api/tickets/${t(i)}/messages`, who, { body: internal ? 'note' : 'reply', internal }, 201);
  const customerWrites = (i: number) =>
    post(`/api/tickets/${t(i)}/messages`, lead, { body: 'customer again', author: 'customer' }, 201);
  const setStatus = (i: number, who: AgentWithToken, status: string) =>
    http
      .patch(`/api/tickets/${t(i)}`)
      .set(who.auth)
      .send({ status })
      .expect(200);

  const owner = [a1, a2, a3, a1, a2, a3, a1, a2, a3, a1, a2, a3, a1, a2, a1];
  for (let i = 0; i < owner.length; i++) {
    if (i === 11) continue; // ticket 11 stays unassigned
    await assign(i, owner[i] as AgentWithToken);
  }
  for (const i of [0, 3, 6, 9, 12]) await post(`/api/tickets/${t(i)}/accept`, a1, {});
  await post(`/api/tickets/${t(1)}/accept`, a2, {});

  // Replies (first responses now), notes, an integration's reply stamped in the past.
  for (const i of [0, 1, 2, 3, 4, 6, 7, 9, 12, 13, 14]) await reply(i, owner[i] as AgentWithToken);
  await reply(2, a3, true);
  await reply(0, a1, true);
  await reply(4, a3, true);
  await c.services.messages.addFromIntegration(t(11), {
    authorType: 'agent',
    body: 'auto-reply from the helpdesk',
    internal: false,
    createdAt: new Date(now - 1 * DAY - 2 * HOUR),
  });
  await c.services.messages.addFromIntegration(t(5), {
    authorType: 'agent',
    body: 'imported reply',
    internal: false,
    createdAt: new Date(now - 4 * DAY),
  });

  // Transfers: by a lead, and by the assignee.
  await post(`/api/tickets/${t(1)}/transfer`, lead, { toAgentId: a3.agent.id, reason: 'billing expert' });
  await post(`/api/tickets/${t(5)}/transfer`, a3, { toAgentId: a1.agent.id });
  await reply(1, a3);

  // Solves, a reopen by the customer and a second solve, closes, pending.
  await setStatus(0, a1, 'solved');
  await setStatus(1, a3, 'solved');
  await setStatus(2, a3, 'solved');
  await setStatus(3, a1, 'solved');
  await setStatus(4, a2, 'solved');
  await setStatus(6, a1, 'closed');
  await setStatus(12, a1, 'solved');
  await customerWrites(0);
  await reply(0, a1);
  await setStatus(0, a1, 'solved');
  await setStatus(3, a1, 'closed');
  await setStatus(7, a2, 'pending');
  await customerWrites(7);

  // A next-reply clock (urgent ticket 9: first response met, then the customer writes) breaches
  // once time has moved past it; the monitor records it.
  await customerWrites(9);
  setNow(app, new Date(Date.now() + 2 * HOUR));
  await tick(app);
  setNow(app, null);
  // A normal ticket's next reply is met in time.
  await customerWrites(13);
  await reply(13, a2);

  // A recategorised ticket and a deleted one.
  await http
    .patch(`/api/tickets/${t(8)}`)
    .set(lead.auth)
    .send({ category: 'billing' })
    .expect(200);
  await reply(10, a2);
  await http
    .delete(`/api/tickets/${t(10)}`)
    .set(lead.auth)
    .expect(204);

  // Agents' status: Ann online (since yesterday evening, across midnight), Bob busy then away,
  // Cid online then offline.
  const status = (who: AgentWithToken, s: string) =>
    http.put(`/api/agents/${who.agent.id}/status`).set(who.auth).send({ status: s }).expect(200);
  await status(a1, 'online');
  await status(a2, 'busy');
  await status(a3, 'online');
  await c.events.drain();
  await status(a2, 'away');
  await status(a3, 'offline');
  await c.events.drain();
  await c.db.query(
    `UPDATE analytics_agent_status_intervals SET started_at = date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2 - interval '2 hours'
      WHERE agent_id = $1 AND ended_at IS NULL`,
    [a1.agent.id, TIMEZONE],
  );

  // Some work happened on earlier days.
  await shiftActivity(app, t(2), 3 * DAY);
  await shiftActivity(app, t(4), 2 * DAY);
  await shiftActivity(app, t(6), 1 * DAY);
  await c.events.drain();
  return { app, lead, viewer, agents, customers: { vip, regular }, tickets };
}
