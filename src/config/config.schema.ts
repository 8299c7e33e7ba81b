import { z } from 'zod';
import { envBool, envInt, envOptional, envSection } from './env-section';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const coreSection = envSection(
  {
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: envInt(3000, 0, 65535),
    HOST: z.string().default('0.0.0.0'),
    APP_URL: envOptional(z.url()),
    APP_TIMEZONE: z
      .string()
      .default('UTC')
      .refine((tz) => isValidTimeZone(tz), 'must be an IANA time zone such as Europe/Paris'),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must look like 1mb or 512kb')
      .default('1mb'),
    SENTRY_DSN: envOptional(z.url()),
    SHUTDOWN_TIMEOUT_MS: envInt(10000, 100),
    TRUST_PROXY: envInt(0, 0, 10),
  },
  (env) => ({
    env: env.NODE_ENV,
    http: {
      port: env.PORT,
      host: env.HOST,
      bodyLimit: env.BODY_LIMIT,
      appUrl: env.APP_URL ?? `http://localhost:${env.PORT}`,
      /** Number of reverse proxies in front of the API, so the client IP (login throttling) is right. */
      trustProxy: env.TRUST_PROXY,
    },
    timezone: env.APP_TIMEZONE,
    logLevel: env.LOG_LEVEL,
    sentryDsn: env.SENTRY_DSN,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  }),
);

export const storageSection = envSection(
  {
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DB_POOL_SIZE: envInt(20, 1, 500),
    DB_STATEMENT_TIMEOUT_MS: envInt(15000, 0),
    DB_CONNECT_TIMEOUT_MS: envInt(5000, 0),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9:_-]+$/)
      .default('crm'),
  },
  (env) => ({
    db: {
      url: env.DATABASE_URL,
      poolSize: env.DB_POOL_SIZE,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
  }),
);

export const authSection = envSection(
  {
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters (use `openssl rand -hex 32`)'),
    JWT_ACCESS_TTL_SECONDS: envInt(900, 30),
    REFRESH_TOKEN_TTL_DAYS: envInt(30, 1),
    BCRYPT_ROUNDS: envInt(12, 4, 15),
    LOGIN_MAX_FAILURES_PER_EMAIL: envInt(5, 1),
    LOGIN_MAX_FAILURES_PER_IP: envInt(30, 1),
    LOGIN_FAILURE_WINDOW_SECONDS: envInt(900, 1),
    BOOTSTRAP_ADMIN_EMAIL: envOptional(z.email()),
    BOOTSTRAP_ADMIN_PASSWORD: envOptional(z.string().min(8, 'must be at least 8 characters')),
  },
  (env) => ({
    auth: {
      jwtSecret: env.JWT_SECRET,
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
      refreshTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      bcryptRounds: env.BCRYPT_ROUNDS,
      throttle: {
        maxPerEmail: env.LOGIN_MAX_FAILURES_PER_EMAIL,
        maxPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
        windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      },
      bootstrapAdmin:
        env.BOOTSTRAP_ADMIN_EMAIL && env.BOOTSTRAP_ADMIN_PASSWORD
          ? { email: env.BOOTSTRAP_ADMIN_EMAIL, password: env.BOOTSTRAP_ADMIN_PASSWORD }
          : undefined,
    },
  }),
);

export const demoSection = envSection({ SEED_DEMO: envBool(true) }, (env) => ({ seedDemo: env.SEED_DEMO }));

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
