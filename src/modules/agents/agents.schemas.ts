import { z } from 'zod';
import { roles } from '../../platform/security/actor';
import { email, isoDate, listQuery, uuid } from '../../platform/http/common.schemas';
import { agentStatuses, seniorities } from './agent.types';

const tag = z.string().trim().min(1).max(64);

export const Agent = z
  .object({
    id: uuid,
    email: z.string(),
    name: z.string(),
    role: z.enum(roles),
    department: z.string().nullable(),
    status: z.enum(agentStatuses),
    maxConcurrentTickets: z.number().int(),
    acceptsNew: z.boolean(),
    specializations: z.array(z.string()),
    languages: z.array(z.string()),
    seniority: z.enum(seniorities),
    active: z.boolean(),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Agent' });

export const password = z.string().min(8, 'must be at least 8 characters').max(200);

export const CreateAgentBody = z
  .object({
    email,
    name: z.string().trim().min(1).max(200),
    password,
    role: z.enum(roles),
    department: z.string().trim().max(100).nullish(),
    maxConcurrentTickets: z.number().int().min(0).max(1000).default(5),
    acceptsNew: z.boolean().default(true),
    specializations: z.array(tag).max(50).default([]),
    languages: z.array(z.string().trim().toLowerCase().min(2).max(16)).max(20).default(['en']),
    seniority: z.enum(seniorities).default('junior'),
  })
  .strict()
  .meta({ id: 'CreateAgent' });

export const UpdateAgentBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    password,
    role: z.enum(roles),
    department: z.string().trim().max(100).nullable(),
    maxConcurrentTickets: z.number().int().min(0).max(1000),
    acceptsNew: z.boolean(),
    specializations: z.array(tag).max(50),
    languages: z.array(z.string().trim().toLowerCase().min(2).max(16)).max(20),
    seniority: z.enum(seniorities),
    active: z.boolean(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .meta({ id: 'UpdateAgent' });

export const AgentStatusBody = z.object({ status: z.enum(agentStatuses) }).strict();

export const ListAgentsQuery = listQuery.extend({
  role: z.enum(roles).optional(),
  status: z.enum(agentStatuses).optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export type CreateAgentInput = z.output<typeof CreateAgentBody>;
export type UpdateAgentInput = z.output<typeof UpdateAgentBody>;
export type ListAgentsInput = z.output<typeof ListAgentsQuery>;
