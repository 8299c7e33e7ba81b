import type { RequestListener } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { Container } from './container';
import { errorHandler, notFound, requestContext, requireJsonBody } from './platform/http/middleware';
import { buildOpenApiDocument } from './platform/http/openapi';
import { opsRouter } from './platform/http/ops.routes';
import { queueDashboard } from './platform/http/queue-dashboard';
import { buildRouter } from './platform/http/router';
import { webhookLane } from './platform/http/webhook-lane';

export interface AppOptions {
  report?: (err: unknown) => void;
  isShuttingDown?: () => boolean;
}

/**
 * What the HTTP server runs: signed webhook deliveries on their canonical paths go through the
 * webhook lane, everything else through the express app. It does not listen; main.ts and tests do.
 */
export function buildRequestListener(c: Container, opts: AppOptions = {}): RequestListener {
  const app = buildApp(c, opts);
  const lane = webhookLane({
    routes: c.routes,
    bodyLimit: c.config.http.bodyLimit,
    httpDuration: c.metrics.httpDuration,
    logger: c.logger,
    report: opts.report ?? (() => undefined),
  });
  const shuttingDown = opts.isShuttingDown ?? (() => false);
  return (req, res) => {
    // Once stopping, every answer closes its connection: senders that keep theirs busy (Shopify
    // does, in a storm) would otherwise hold the server open until the shutdown timeout.
    if (shuttingDown()) res.shouldKeepAlive = false;
    if (!lane(req, res)) app(req, res);
  };
}

/** The express app: every route but the webhook lane's canonical paths (see buildRequestListener). */
export function buildApp(c: Container, opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', c.config.http.trustProxy);
  app.use(requestContext);
  app.use(helmet());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      c.metrics.httpDuration.observe(
        { method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` },
        seconds,
      );
    });
    next();
  });

  app.use(
    opsRouter({
      db: c.db,
      redis: c.redis,
      registry: c.metrics.registry,
      isShuttingDown: opts.isShuttingDown ?? (() => false),
    }),
  );
  const openapi = buildOpenApiDocument(c.routes, { title: 'Support CRM API', version: '1.0.0' });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'Support CRM API' }));
  app.use('/admin/queues', queueDashboard('/admin/queues', c.queues.allQueues(), c.services.auth));

  app.use(requireJsonBody);
  app.use(
    express.json({
      limit: c.config.http.bodyLimit,
      verify: (req, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );
  app.use(buildRouter(c.routes, c.services.auth));
  app.use(notFound);
  app.use(errorHandler(c.logger, opts.report ?? (() => undefined)));
  return app;
}
