import { z } from 'zod';
import { authSection, coreSection, demoSection, storageSection } from './config.schema';
import type { EnvSection } from './env-section';
import { shopifySection } from '../modules/integrations/shopify/shopify.config';

/** Every section of the environment. A feature adds its section here and nowhere else. */
const sections = {
  core: coreSection,
  storage: storageSection,
  auth: authSection,
  demo: demoSection,
  shopify: shopifySection,
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
  const problems: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const section of Object.values(sections) as EnvSection<object>[]) {
    const result = section.schema.safeParse(env);
    if (result.success) Object.assign(merged, result.data);
    else problems.push(...result.error.issues.map(describeIssue));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return merged as Config;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.') || '(environment)';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return `${key} ${message}`;
}
