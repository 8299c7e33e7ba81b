import {
  explainChoice,
  isEligible,
  preferenceInputs,
  type RankedAgent,
  type RoutingAgent,
  type RoutingTicket,
} from '../../src/modules/assignment/agent-choice';
import { chooseAgent, compareLoad, compareWait, speaksLanguage } from './reference-choice';

let seq = 0;
function agent(overrides: Partial<RoutingAgent> = {}): RoutingAgent {
  seq += 1;
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    role: 'agent',
    active: true,
    status: 'online',
    acceptsNew: true,
    openTickets: 0,
    capacity: 5,
    languages: ['en'],
    specializations: [],
    seniority: 'junior',
    lastAssignedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

const ticket = (overrides: Partial<RoutingTicket> = {}): RoutingTicket => ({
  language: null,
  vip: false,
  category: null,
  tags: [],
  ...overrides,
});

describe('eligibility', () => {
  test.each([
    ['inactive', { active: false }],
    ['a viewer', { role: 'viewer' as const }],
    ['an admin', { role: 'admin' as const }],
    ['busy', { status: 'busy' as const }],
    ['away', { status: 'away' as const }],
    ['offline', { status: 'offline' as const }],
    ['not accepting new tickets', { acceptsNew: false }],
    ['at capacity', { openTickets: 5, capacity: 5 }],
    ['over capacity', { openTickets: 7, capacity: 5 }],
    ['without capacity', { openTickets: 0, capacity: 0 }],
  ])('when the agent is %s, then they are not eligible', (_label, overrides) => {
    expect(isEligible(agent(overrides))).toBe(false);
  });

  test('when an online agent or lead accepting work is under capacity, then they are eligible', () => {
    expect(isEligible(agent({ openTickets: 4, capacity: 5 }))).toBe(true);
    expect(isEligible(agent({ role: 'lead' }))).toBe(true);
  });

  test('when nobody is eligible, then there is no choice', () => {
    expect(chooseAgent([agent({ status: 'offline' }), agent({ openTickets: 5 })], ticket())).toBeNull();
    expect(chooseAgent([], ticket())).toBeNull();
  });

  test('when only one agent is eligible, then they are chosen for that reason', () => {
    const only = agent();
    expect(chooseAgent([agent({ acceptsNew: false }), only], ticket({ language: 'fr' }))).toEqual({
      agentId: only.id,
      reason: 'only_eligible',
      narrowedBy: [],
    });
  });
});

describe('preferences', () => {
  test('when one agent speaks the customer language, then they are chosen even with more load', () => {
    const fr = agent({ languages: ['en', 'fr'], openTickets: 4 });
    const en = agent({ openTickets: 0 });
    expect(chooseAgent([en, fr], ticket({ language: 'fr' }))).toMatchObject({
      agentId: fr.id,
      reason: 'language',
    });
  });

  test('when the customer language has a region, then an agent with the base language matches', () => {
    expect(speaksLanguage(agent({ languages: ['pt'] }), 'pt-BR')).toBe(true);
    expect(speaksLanguage(agent({ languages: ['EN_gb'] }), 'en')).toBe(true);
    expect(speaksLanguage(agent({ languages: ['en'] }), 'es')).toBe(false);
  });

  test('when nobody speaks the language, then the preference is skipped and load decides', () => {
    const busy = agent({ openTickets: 3 });
    const idle = agent({ openTickets: 1 });
    expect(chooseAgent([busy, idle], ticket({ language: 'ja' }))).toEqual({
      agentId: idle.id,
      reason: 'lowest_load',
      narrowedBy: [],
    });
  });

  test('when the customer is VIP, then a senior agent is chosen', () => {
    const senior = agent({ seniority: 'senior', openTickets: 3 });
    const junior = agent({ openTickets: 0 });
    expect(chooseAgent([junior, senior], ticket({ vip: true }))).toMatchObject({
      agentId: senior.id,
      reason: 'vip_senior',
    });
  });

  test('when the customer is not VIP, then seniority does not matter', () => {
    const senior = agent({ seniority: 'senior', openTickets: 3 });
    const junior = agent({ openTickets: 0 });
    expect(chooseAgent([junior, senior], ticket())).toMatchObject({ agentId: junior.id });
  });

  test('when an agent specializes in the category, then they are chosen', () => {
    const billing = agent({ specializations: ['Billing'], openTickets: 2 });
    const other = agent({ specializations: ['shipping'] });
    expect(chooseAgent([other, billing], ticket({ category: 'billing' }))).toMatchObject({
      agentId: billing.id,
      reason: 'specialization',
    });
  });

  test('when an agent specializes in one of the tags, then they are chosen', () => {
    const returns = agent({ specializations: ['returns'], openTickets: 2 });
    const other = agent();
    expect(chooseAgent([other, returns], ticket({ tags: ['damaged', 'returns'] }))).toMatchObject({
      agentId: returns.id,
      reason: 'specialization',
    });
  });

  test('when preferences apply in order, then language outranks seniority and seniority outranks skills', () => {
    const speaksFr = agent({ languages: ['fr'], openTickets: 2 });
    const speaksFrSenior = agent({ languages: ['fr'], seniority: 'senior', openTickets: 3 });
    const seniorSpecialist = agent({ seniority: 'senior', specializations: ['billing'] });
    const specialist = agent({ languages: ['fr'], specializations: ['billing'] });
    const vipFr = ticket({ language: 'fr', vip: true, category: 'billing' });
    // language keeps 3 (not seniorSpecialist); VIP keeps speaksFrSenior alone.
    expect(chooseAgent([speaksFr, speaksFrSenior, seniorSpecialist, specialist], vipFr)).toEqual({
      agentId: speaksFrSenior.id,
      reason: 'vip_senior',
      narrowedBy: ['language', 'vip_senior'],
    });
  });

  test('when a preference is met by nobody in the narrowed set, then it does not empty the set', () => {
    const a = agent({ languages: ['de'], openTickets: 2 });
    const b = agent({ languages: ['de'], openTickets: 1 });
    const senior = agent({ seniority: 'senior' }); // speaks no German
    expect(chooseAgent([a, b, senior], ticket({ language: 'de', vip: true }))).toEqual({
      agentId: b.id,
      reason: 'lowest_load',
      narrowedBy: ['language'],
    });
  });
});

describe('load and round robin', () => {
  test('when loads differ, then the lowest open ÷ capacity wins (not the fewest tickets)', () => {
    const big = agent({ openTickets: 3, capacity: 10 }); // 0.3
    const small = agent({ openTickets: 1, capacity: 2 }); // 0.5
    expect(chooseAgent([small, big], ticket())).toMatchObject({ agentId: big.id, reason: 'lowest_load' });
  });

  test('when loads tie, then the agent who waited longest since their last assignment wins', () => {
    const recent = agent({ openTickets: 1, lastAssignedAt: new Date('2026-03-01T10:00:00Z') });
    const waiting = agent({ openTickets: 1, lastAssignedAt: new Date('2026-03-01T09:00:00Z') });
    expect(chooseAgent([recent, waiting], ticket())).toEqual({
      agentId: waiting.id,
      reason: 'round_robin',
      narrowedBy: [],
    });
  });

  test('when an agent has never been assigned, then they have waited longest', () => {
    const veteran = agent({ lastAssignedAt: new Date('2020-01-01T00:00:00Z') });
    const newcomer = agent({ lastAssignedAt: null });
    expect(chooseAgent([veteran, newcomer], ticket())).toMatchObject({ agentId: newcomer.id });
  });

  test('when tickets keep coming to equal agents, then they take turns', () => {
    const team = [agent({ capacity: 10 }), agent({ capacity: 10 }), agent({ capacity: 10 })];
    const picks: string[] = [];
    let clock = Date.parse('2026-05-01T00:00:00Z');
    for (let i = 0; i < 6; i += 1) {
      const choice = chooseAgent(team, ticket());
      if (!choice) throw new Error('expected a choice');
      picks.push(choice.agentId);
      const chosen = team.find((a) => a.id === choice.agentId);
      if (!chosen) throw new Error('unknown agent');
      chosen.openTickets += 1;
      chosen.lastAssignedAt = new Date((clock += 1000));
    }
    const ids = team.map((a) => a.id);
    expect(picks).toEqual([...ids, ...ids]);
  });
});

describe('explaining a choice made by the database ranking', () => {
  /** The ranking `AssignmentRepository.rank` does in SQL, written out for comparison. */
  function rankLikeTheDatabase(agents: RoutingAgent[], t: RoutingTicket): RankedAgent[] {
    const p = preferenceInputs(t);
    const rows = agents.filter(isEligible).map((a) => ({
      a,
      satisfies: [
        p.languagePrimary !== null && speaksLanguage(a, p.languagePrimary),
        p.vip && a.seniority === 'senior',
        a.specializations.some((s) => p.topics.includes(s.trim().toLowerCase())),
      ] as const,
    }));
    const key = (s: readonly boolean[], n: number) => s.slice(0, n).join();
    const count = (s: readonly boolean[], n: number) =>
      rows.filter((r) => key(r.satisfies, n) === key(s, n)).length;
    return rows
      .sort(
        (x, y) =>
          Number(y.satisfies[0]) - Number(x.satisfies[0]) ||
          Number(y.satisfies[1]) - Number(x.satisfies[1]) ||
          Number(y.satisfies[2]) - Number(x.satisfies[2]) ||
          compareLoad(x.a, y.a) ||
          compareWait(x.a, y.a),
      )
      .map((r) => ({
        id: r.a.id,
        openTickets: r.a.openTickets,
        capacity: r.a.capacity,
        satisfies: r.satisfies,
        groupSizes: [
          count(r.satisfies, 0),
          count(r.satisfies, 1),
          count(r.satisfies, 2),
          count(r.satisfies, 3),
        ],
      }));
  }

  // A small deterministic generator, so a failure replays.
  let state = 7;
  const rnd = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;

  test('when the database ranks the agents, then its first choice and reason are what the rules give, also with the top ones passed over', () => {
    for (let run = 0; run < 500; run += 1) {
      const team = Array.from({ length: 1 + rnd(7) }, () =>
        agent({
          status: rnd(5) === 0 ? 'offline' : 'online',
          openTickets: rnd(4),
          capacity: pick([1, 2, 3, 4, 6]),
          languages: [pick(['en', 'fr', 'pt-BR', 'de'])],
          seniority: pick(['junior', 'senior'] as const),
          specializations: rnd(2) === 0 ? [pick(['billing', 'returns'])] : [],
          lastAssignedAt: rnd(3) === 0 ? null : new Date(Date.UTC(2026, 0, 1, 0, rnd(3))),
        }),
      );
      const t = ticket({
        language: pick([null, 'fr', 'pt', 'en-US', 'ja']),
        vip: rnd(2) === 0,
        category: pick([null, 'billing']),
        tags: rnd(2) === 0 ? ['returns'] : [],
      });
      const ranked = rankLikeTheDatabase(team, t);
      for (let skipped = 0; skipped <= ranked.length; skipped += 1) {
        const passedOver = new Set(ranked.slice(0, skipped).map((r) => r.id));
        const rest = team.filter((a) => !passedOver.has(a.id));
        expect(explainChoice(ranked, skipped)).toEqual(chooseAgent(rest, t));
      }
    }
  });
});
