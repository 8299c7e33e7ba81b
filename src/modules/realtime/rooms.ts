import { isLeadOrAdmin, type Role } from '../../platform/security/actor';

/** Socket rooms. Personal and role rooms are joined at connection; ticket rooms on `ticket:view`. */
export const Rooms = {
  agent: (agentId: string) => `agent:${agentId}`,
  ticket: (ticketId: string) => `ticket:${ticketId}`,
  /** Leads and admins. */
  leads: 'role:lead',
  /** Every connected agent, whatever the role. */
  everyone: 'everyone',
} as const;

/** The rooms a socket joins when it connects. */
export function connectionRooms(agentId: string, role: Role): string[] {
  const rooms = [Rooms.agent(agentId), Rooms.everyone];
  if (isLeadOrAdmin({ id: agentId, role, sessionId: '' })) rooms.push(Rooms.leads);
  return rooms;
}
