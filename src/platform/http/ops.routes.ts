import type { Request, Response, Router } from 'express';
import express from 'express';
import type { DataSource } from 'typeorm';
import type { Registry } from 'prom-client';
import type { Redis } from 'ioredis';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);

/** Liveness, readiness (Postgres and Redis answer) and Prometheus metrics. */
export function opsRouter(deps: {
  db: DataSource;
  redis: Redis;
  registry: Registry;
  isShuttingDown: () => boolean;
}): Router {
  const router = express.Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req: Request, res: Response) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      withTimeout(deps.db.query('SELECT 1'), 2000).then(
        () => (checks.postgres = 'ok'),
        (err: Error) => (checks.postgres = err.message),
      ),
      withTimeout(deps.redis.ping(), 2000).then(
        () => (checks.redis = 'ok'),
        (err: Error) => (checks.redis = err.message),
      ),
    ]);
    if (deps.isShuttingDown()) checks.process = 'shutting down';
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  router.get('/metrics', async (_req: Request, res: Response) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
