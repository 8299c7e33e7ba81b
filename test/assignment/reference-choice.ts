import {
  isEligible,
  norm,
  primaryLanguage,
  type AgentChoice,
  type ChoiceReason,
  type PreferenceRule,
  type RoutingAgent,
  type RoutingTicket,
} from '../../src/modules/assignment/agent-choice';

/**
 * The routing rules (README, "Automatic routing") as a plain filter-and-sort over agents in
 * memory: the reference the production path (`AssignmentRepository.rank` in SQL, then
 * `explainChoice`) is held to by test/assignment/agent-choice.test.ts.
 */

export function speaksLanguage(a: RoutingAgent, language: string): boolean {
  const wanted = norm(language);
  const wantedPrimary = primaryLanguage(language);
  return a.languages.some((l) => norm(l) === wanted || primaryLanguage(l) === wantedPrimary);
}

export function specializesIn(a: RoutingAgent, t: RoutingTicket): boolean {
  const topics = new Set([...(t.category ? [t.category] : []), ...t.tags].map(norm));
  return a.specializations.some((s) => topics.has(norm(s)));
}

/** Which preferences apply to this ticket, and the test each agent must pass. */
function preferencesFor(t: RoutingTicket): Array<[PreferenceRule, (a: RoutingAgent) => boolean]> {
  const prefs: Array<[PreferenceRule, (a: RoutingAgent) => boolean]> = [];
  const language = t.language?.trim();
  if (language) prefs.push(['language', (a) => speaksLanguage(a, language)]);
  if (t.vip) prefs.push(['vip_senior', (a) => a.seniority === 'senior']);
  if (t.category || t.tags.length > 0) prefs.push(['specialization', (a) => specializesIn(a, t)]);
  return prefs;
}

/** Negative when a carries less load than b: compares open ÷ capacity without floating point. */
export function compareLoad(a: RoutingAgent, b: RoutingAgent): number {
  return a.openTickets * b.capacity - b.openTickets * a.capacity;
}

/** Negative when a waited longer since their last assignment (never assigned waits longest). */
export function compareWait(a: RoutingAgent, b: RoutingAgent): number {
  const at = a.lastAssignedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const bt = b.lastAssignedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (at === bt) return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return at < bt ? -1 : 1;
}

/**
 * Picks the agent for a ticket, or null when nobody is eligible.
 * 1. Keep the eligible agents.
 * 2. Narrow by each preference in turn (language, VIP → senior, specialization), but only when
 *    someone in the current set satisfies it.
 * 3. Lowest load ratio; ties go to whoever waited longest since their last assignment.
 * The reason is the first step after which only the chosen agent was left.
 */
export function chooseAgent(agents: readonly RoutingAgent[], ticket: RoutingTicket): AgentChoice | null {
  let set = agents.filter(isEligible);
  if (set.length === 0) return null;
  const narrowedBy: PreferenceRule[] = [];
  let decidedBy: ChoiceReason | null = set.length === 1 ? 'only_eligible' : null;
  for (const [rule, test] of preferencesFor(ticket)) {
    if (decidedBy) break;
    const narrowed = set.filter(test);
    if (narrowed.length === 0 || narrowed.length === set.length) continue;
    set = narrowed;
    narrowedBy.push(rule);
    if (set.length === 1) decidedBy = rule;
  }
  const ranked = [...set].sort((a, b) => compareLoad(a, b) || compareWait(a, b));
  const [first, second] = ranked;
  if (!first) return null;
  if (!decidedBy) decidedBy = second && compareLoad(first, second) === 0 ? 'round_robin' : 'lowest_load';
  return { agentId: first.id, reason: decidedBy, narrowedBy };
}
