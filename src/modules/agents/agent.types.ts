export const agentStatuses = ['online', 'busy', 'away', 'offline'] as const;
export type AgentStatus = (typeof agentStatuses)[number];
export const seniorities = ['junior', 'senior'] as const;
export type Seniority = (typeof seniorities)[number];
