import type { Container } from '../../src/container';
import type { CreateAgentInput } from '../../src/modules/agents/agents.schemas';
import type { DomainEventMap, DomainEventType } from '../../src/platform/events/domain-events';
import type { Actor } from '../../src/platform/security/actor';
import type { TicketEntity } from '../../src/modules/tickets/ticket.entity';
import { createAgent, createTicket, type AgentWithToken } from '../factories';
import type { TestApp } from '../setup/test-app';

const system: Actor = { id: '00000000-0000-4000-8000-000000000000', role: 'admin', sessionId: 'test' };

/** An agent who is online and accepting work (capacity 5 unless given). */
export async function onlineAgent(
  c: Container,
  overrides: Partial<CreateAgentInput> = {},
): Promise<AgentWithToken> {
  const made = await createAgent(c, overrides);
  await c.services.agents.setStatus(system, made.agent.id, 'online');
  return made;
}

/** Takes every agent offline, so a test routes only among the agents it makes itself. */
export async function everyoneOffline(c: Container): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await c.services.agents.list({ limit: 100, cursor, status: 'online' });
    for (const a of page.data) await c.services.agents.setStatus(system, a.id, 'offline');
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export async function setStatus(
  c: Container,
  agentId: string,
  status: 'online' | 'busy' | 'away' | 'offline',
): Promise<void> {
  await c.services.agents.setStatus(system, agentId, status);
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false | null>,
  { timeoutMs = 10_000, everyMs = 50, what = 'condition' } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Records every event of one type published from now on. */
export function recordEvents<K extends DomainEventType>(c: Container, type: K): Array<DomainEventMap[K]> {
  const seen: Array<DomainEventMap[K]> = [];
  c.events.on(type, (payload) => {
    seen.push(payload);
  });
  return seen;
}

/** The open-ticket count the trigger maintains, and the truth counted from the tickets. */
export async function workloadOf(c: Container, agentId: string): Promise<{ kept: number; counted: number }> {
  const rows: Array<{ kept: number; counted: number }> = await c.db.query(
    `SELECT a.open_tickets AS kept,
            (SELECT count(*)::int FROM tickets t WHERE t.assignee_id = a.id AND t.deleted_at IS NULL
               AND t.status IN ('new','open','on_hold')) AS counted
       FROM agents a WHERE a.id = $1`,
    [agentId],
  );
  const row = rows[0];
  if (!row) throw new Error('no such agent');
  return row;
}

/** Creates `n` tickets and assigns each to `agentId` through the API, as the holder of `auth`. */
export async function ticketsAssignedTo(
  app: TestApp,
  agentId: string,
  auth: Record<string, string>,
  n = 1,
): Promise<TicketEntity[]> {
  const tickets: TicketEntity[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = await createTicket(app.container);
    await app.http.post(`/api/tickets/${t.id}/assign`).set(auth).send({ agentId }).expect(200);
    tickets.push(t);
  }
  return tickets;
}
