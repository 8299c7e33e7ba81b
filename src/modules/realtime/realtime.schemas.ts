import { z } from 'zod';
import { agentStatuses } from '../agents/agent.types';

/** Validation of everything a client sends over the socket. */
const seq = z.number().int().min(0);

export const handshakeAuthSchema = z.object({
  token: z.string().min(1).max(4096),
  lastSeq: z.record(z.string().max(200), seq).optional(),
});

export const ticketViewSchema = z.object({ ticketId: z.uuid(), lastSeq: seq.optional() });
export const ticketRefSchema = z.object({ ticketId: z.uuid() });
export const ticketTypingSchema = z.object({ ticketId: z.uuid(), typing: z.boolean().optional() });
export const presenceSetSchema = z.object({ status: z.enum(agentStatuses) });
export const authRefreshSchema = z.object({ token: z.string().min(1).max(4096) });
