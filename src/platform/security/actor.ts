export const roles = ['admin', 'lead', 'agent', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** Who is acting: taken from a verified access token. */
export interface Actor {
  id: string;
  role: Role;
  sessionId: string;
}

export const isLeadOrAdmin = (actor: Actor): boolean => actor.role === 'admin' || actor.role === 'lead';

/** Role sets used by route definitions, named once so the RBAC table reads plainly. */
export const Roles = {
  everyone: roles,
  staff: ['admin', 'lead', 'agent'] as Role[],
  leads: ['admin', 'lead'] as Role[],
  admins: ['admin'] as Role[],
} as const;
