import { randomBytes } from 'node:crypto';
import type { Container } from '../../src/container';
import type { AgentEntity } from '../../src/modules/agents/agent.entity';
import type { CreateAgentInput } from '../../src/modules/agents/agents.schemas';
import type { CustomerEntity } from '../../src/modules/customers/customer.entity';
import type { CreateCustomerInput } from '../../src/modules/customers/customers.schemas';
import type { TicketEntity } from '../../src/modules/tickets/ticket.entity';
import type { CreateTicketInput } from '../../src/modules/tickets/tickets.schemas';
import type { Actor, Role } from '../../src/platform/security/actor';

const uniq = () => randomBytes(4).toString('hex');

export interface AgentWithToken {
  agent: AgentEntity;
  token: string;
  refreshToken: string;
  actor: Actor;
  auth: { Authorization: string };
}

export async function createAgent(
  c: Container,
  overrides: Partial<CreateAgentInput> = {},
): Promise<AgentWithToken> {
  const agent = await c.services.agents.create({
    email: `agent-${uniq()}@test.example`,
    name: 'Test Agent',
    password: 'correct-horse-battery',
    role: 'agent',
    maxConcurrentTickets: 5,
    acceptsNew: true,
    specializations: [],
    languages: ['en'],
    seniority: 'junior',
    ...overrides,
  });
  const session = await c.services.auth.startSession(agent);
  return {
    agent,
    token: session.accessToken,
    refreshToken: session.refreshToken,
    actor: { id: agent.id, role: agent.role, sessionId: 'factory' },
    auth: { Authorization: `Bearer ${session.accessToken}` },
  };
}

export const createAgentWithRole = (c: Container, role: Role, overrides: Partial<CreateAgentInput> = {}) =>
  createAgent(c, { role, ...overrides });

export async function createCustomer(
  c: Container,
  overrides: Partial<CreateCustomerInput> = {},
): Promise<CustomerEntity> {
  return c.services.customers.create({
    email: `customer-${uniq()}@test.example`,
    name: 'Test Customer',
    tier: 'standard',
    ...overrides,
  });
}

export async function createTicket(
  c: Container,
  overrides: Partial<CreateTicketInput> & { actor?: Actor } = {},
): Promise<TicketEntity> {
  const { actor, ...input } = overrides;
  const customerId = input.customerId ?? (input.customer ? undefined : (await createCustomer(c)).id);
  return c.services.tickets.create(actor ?? null, {
    subject: 'Test ticket',
    priority: 'normal',
    channel: 'web',
    tags: [],
    metadata: {},
    ...input,
    ...(customerId ? { customerId } : {}),
  });
}
