import { ConfigError, loadConfig } from '../../src/config/config';

const valid = {
  DATABASE_URL: 'postgres://u@h/db',
  REDIS_URL: 'redis://h:6379',
  JWT_SECRET: 'x'.repeat(32),
};

test('when the environment is valid, then defaults fill the rest', () => {
  const config = loadConfig(valid);
  expect(config.http.port).toBe(3000);
  expect(config.auth.accessTtlSeconds).toBe(900);
  expect(config.seedDemo).toBe(true);
  expect(config.auth.bootstrapAdmin).toBeUndefined();
});

test('when keys are missing or bad, then one error names every one of them', () => {
  let error: unknown;
  try {
    loadConfig({
      DATABASE_URL: 'mysql://x',
      JWT_SECRET: 'short',
      PORT: 'abc',
      SEED_DEMO: 'maybe',
      APP_TIMEZONE: 'Nowhere/City',
    });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const text = (error as ConfigError).message;
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'PORT', 'SEED_DEMO', 'APP_TIMEZONE'])
    expect(text).toContain(key);
  expect(text).toContain('REDIS_URL is required');
});

test('when an optional key is set to an empty string, then it counts as unset', () => {
  const config = loadConfig({
    ...valid,
    SENTRY_DSN: '',
    BOOTSTRAP_ADMIN_EMAIL: '',
    BOOTSTRAP_ADMIN_PASSWORD: '',
  });
  expect(config.sentryDsn).toBeUndefined();
});
