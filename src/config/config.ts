import { z } from 'zod';
import { authSection, coreSection, demoSection, storageSection } from './config.schema';
import type { EnvSection } from './env-section';
import { realtimeSection } from '../modules/realtime/realtime.config';
import { slackSection } from '../modules/integrations/slack/slack.config';
import { slaSection } from '../modules/sla/sla.config';
import { assignmentSection } from '../modules/assignment/assignment.config';
import { intelligenceSection } from '../modules/intelligence/intelligence.config';
import { gorgiasSection } from '../modules/integrations/gorgias/gorgias.config';
import { shopifySection } from '../modules/integrations/shopify/shopify.config';
import { analyticsSection } from '../modules/analytics/analytics.config';

/** Every section of the environment. A feature adds its section here and nowhere else. */
const sections = {
  core: coreSection,
  storage: storageSection,
  auth: authSection,
  demo: demoSection,
  realtime: realtimeSection,
  slack: slackSection,
  sla: slaSection,
  assignment: assignmentSection,
  intelligence: intelligenceSection,
  gorgias: gorgiasSection,
  shopify: shopifySection,
  analytics: analyticsSection,
};

type Sections = typeof sections;
type SectionValue<S> = S extends EnvSection<infer T> ? T : never;
type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void
  ? I
  : never;

export type Config = UnionToIntersection<SectionValue<Sections[keyof Sections]>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the whole environment once; reports every bad or missing key by name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseSections(Object.values(sections) as EnvSection<object>[], env) as Config;
}

/** Only what the typeorm CLI needs (it has no business asking for JWT_SECRET). */
export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env): SectionValue<Sections['storage']> {
  return parseSections([sections.storage], env) as SectionValue<Sections['storage']>;
}

function parseSections(list: EnvSection<object>[], env: NodeJS.ProcessEnv): object {
  const problems: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const section of list) {
    const result = section.schema.safeParse(env);
    if (result.success) Object.assign(merged, result.data);
    else problems.push(...result.error.issues.map(describeIssue));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return merged;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.') || '(environment)';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return `${key} ${message}`;
}
