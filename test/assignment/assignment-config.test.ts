import { ConfigError, loadConfig } from '../../src/config/config';
import { baseTestEnv } from '../setup/test-app';

const env = (extra: NodeJS.ProcessEnv) => {
  const base = baseTestEnv('crm_config_only', 'crm-config');
  delete base.AUTO_ASSIGN;
  return { ...base, ...extra };
};

test('when AUTO_ASSIGN is not set, then automatic routing is on with a one-minute sweep', () => {
  expect(loadConfig(env({})).assignment).toMatchObject({ auto: true, sweepSeconds: 60 });
});

test('when AUTO_ASSIGN=off, then automatic routing is off', () => {
  expect(loadConfig(env({ AUTO_ASSIGN: 'off' })).assignment.auto).toBe(false);
});

test('when an assignment setting is malformed, then start-up names it', () => {
  let problem: unknown;
  try {
    loadConfig(env({ AUTO_ASSIGN: 'sometimes', ASSIGNMENT_SWEEP_SECONDS: '0' }));
  } catch (err) {
    problem = err;
  }
  expect(problem).toBeInstanceOf(ConfigError);
  expect((problem as ConfigError).message).toMatch(/AUTO_ASSIGN[\s\S]*ASSIGNMENT_SWEEP_SECONDS/);
});
