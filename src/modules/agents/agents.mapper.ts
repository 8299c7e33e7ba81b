import type { z } from 'zod';
import type { AgentEntity } from './agent.entity';
import type { Agent } from './agents.schemas';

/** The public shape of an agent; the password hash never leaves the repository. */
export function toAgentDto(a: AgentEntity): z.infer<typeof Agent> {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    role: a.role,
    department: a.department,
    status: a.status,
    maxConcurrentTickets: a.maxConcurrentTickets,
    acceptsNew: a.acceptsNew,
    specializations: a.specializations,
    languages: a.languages,
    seniority: a.seniority,
    active: a.active,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
