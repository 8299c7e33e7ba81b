import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { Queue } from 'bull';
import { ForbiddenError, UnauthorizedError } from '../errors/app-error';
import type { Authenticator } from './router';

const cookieName = 'crm_admin_token';

function tokenFrom(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7);
  if (typeof req.query.token === 'string') return req.query.token;
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === cookieName);
  return cookie?.[1] ? decodeURIComponent(cookie[1]) : undefined;
}

/**
 * The bull dashboard at `basePath`, for admins only. Browsers cannot send a bearer header on
 * navigation, so `?token=<accessToken>` is accepted once and kept in an httpOnly cookie.
 */
export function queueDashboard(basePath: string, queues: Queue[], auth: Authenticator): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({ queues: queues.map((q) => new BullAdapter(q)), serverAdapter: adapter });
  const router = express.Router();
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const token = tokenFrom(req);
      if (!token)
        throw new UnauthorizedError('Admin access token required (Authorization header or ?token=)');
      const actor = await auth.authenticate(`Bearer ${token}`);
      if (actor.role !== 'admin') throw new ForbiddenError('The queue dashboard is for admins');
      if (typeof req.query.token === 'string') {
        res.cookie(cookieName, token, { httpOnly: true, sameSite: 'strict', path: basePath });
      }
      next();
    } catch (err) {
      next(err);
    }
  });
  router.use(adapter.getRouter() as Router);
  return router;
}
