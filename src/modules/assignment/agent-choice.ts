import type { AgentStatus, Seniority } from '../agents/agent.types';
import type { Role } from '../../platform/security/actor';

/** What routing knows about an agent: presence, capacity, current load and skills. */
export interface RoutingAgent {
  id: string;
  role: Role;
  active: boolean;
  status: AgentStatus;
  acceptsNew: boolean;
  /** Open assigned tickets (new, open, on_hold); pending ones do not count. */
  openTickets: number;
  capacity: number;
  languages: readonly string[];
  specializations: readonly string[];
  seniority: Seniority;
  /** When the agent last received a ticket; null means never (waited longest). */
  lastAssignedAt: Date | null;
}

/** What routing knows about a ticket: its customer's language and tier, category and tags. */
export interface RoutingTicket {
  language: string | null;
  vip: boolean;
  category: string | null;
  tags: readonly string[];
}

/** The preferences, in the order they apply. */
export const preferenceRules = ['language', 'vip_senior', 'specialization'] as const;
export type PreferenceRule = (typeof preferenceRules)[number];

/**
 * The rule that decided: `only_eligible` (one agent could take it), a preference that left a
 * single agent, `lowest_load` (the lowest open ÷ capacity), or `round_robin` (equal load; the
 * one who waited longest since their last assignment).
 */
export type ChoiceReason = 'only_eligible' | PreferenceRule | 'lowest_load' | 'round_robin';

export interface AgentChoice {
  agentId: string;
  reason: ChoiceReason;
  /** Preferences that narrowed the set (someone satisfied them), in order. */
  narrowedBy: PreferenceRule[];
}

/**
 * Rule 1: active, role agent or lead, online, accepting new work, and fewer open tickets than
 * their capacity.
 */
export function isEligible(a: RoutingAgent): boolean {
  return (
    a.active &&
    (a.role === 'agent' || a.role === 'lead') &&
    a.status === 'online' &&
    a.acceptsNew &&
    a.openTickets < a.capacity
  );
}

export const norm = (s: string) => s.trim().toLowerCase();
/** `en-US` and `en_gb` speak `en`. */
export const primaryLanguage = (s: string) => norm(s).split(/[-_]/)[0] ?? '';

/**
 * What the database needs to test the preferences for this ticket (`AssignmentRepository.rank`):
 * the primary subtag of the customer's language (null: no language preference), whether the
 * customer is VIP, and the ticket's normalised category and tags (empty: no specialization
 * preference). Agents' languages and specializations are normalised on write.
 */
export function preferenceInputs(t: RoutingTicket): {
  languagePrimary: string | null;
  vip: boolean;
  topics: string[];
} {
  const language = t.language?.trim();
  return {
    languagePrimary: language ? primaryLanguage(language) : null,
    vip: t.vip,
    topics: [...new Set([...(t.category ? [t.category] : []), ...t.tags].map(norm))],
  };
}

/**
 * An eligible agent as the database ranks them for a ticket (`AssignmentRepository.rank`):
 * preferences satisfied first (language, then VIP → senior, then specialization, a preference
 * that does not apply to the ticket being false for everyone), then lowest load ratio, then
 * longest wait. Ranking this way puts first exactly the agent the rules pick (rule 2 narrows the
 * set only when someone in it satisfies a preference); test/assignment/reference-choice.ts
 * states the rules as a plain filter-and-sort and a test holds the two together.
 */
export interface RankedAgent {
  id: string;
  openTickets: number;
  capacity: number;
  /** Whether the agent satisfies each preference, in `preferenceRules` order. */
  satisfies: readonly [boolean, boolean, boolean];
  /**
   * How many eligible agents there were, and how many of them answer the first one, two and
   * three preferences as this agent does (window counts over the whole eligible set).
   */
  groupSizes: readonly [number, number, number, number];
}

const sameAnswers = (a: RankedAgent, b: RankedAgent, upTo: number) =>
  a.satisfies.slice(0, upTo).every((v, i) => v === b.satisfies[i]);

/**
 * The reason the rules give for picking `ranked[index]`, the agents ranked before it
 * having been passed over (another router held them, or they filled up meanwhile): they are
 * left out of the set, so the chosen agent is the top of what remains. Needs the agent ranked
 * right after the chosen one, when there is one, to tell round robin from lowest load.
 */
export function explainChoice(ranked: readonly RankedAgent[], index: number): AgentChoice | null {
  const chosen = ranked[index];
  if (!chosen) return null;
  const passed = ranked.slice(0, index);
  const size = (level: number) =>
    chosen.groupSizes[level as 0 | 1 | 2 | 3] - passed.filter((p) => sameAnswers(p, chosen, level)).length;
  if (size(0) <= 1) return { agentId: chosen.id, reason: 'only_eligible', narrowedBy: [] };
  const narrowedBy: PreferenceRule[] = [];
  for (const [i, rule] of preferenceRules.entries()) {
    if (!chosen.satisfies[i] || size(i + 1) >= size(i)) continue;
    narrowedBy.push(rule);
    if (size(i + 1) <= 1) return { agentId: chosen.id, reason: rule, narrowedBy };
  }
  const next = ranked[index + 1];
  const tie =
    next !== undefined &&
    sameAnswers(next, chosen, preferenceRules.length) &&
    chosen.openTickets * next.capacity === next.openTickets * chosen.capacity;
  return { agentId: chosen.id, reason: tie ? 'round_robin' : 'lowest_load', narrowedBy };
}
