/** Where tests find Postgres and Redis; overridable for other machines. */
export const testEnv = {
  pgAdminUrl: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/1',
};

export const dbUrl = (name: string): string => {
  const url = new URL(testEnv.pgAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** Per-run names: every database and Redis key of a run starts with these. */
export const runPrefix = (runId: string) => `crmt_${runId}`;
export const redisRunPrefix = (runId: string) => `crmt:${runId}`;
