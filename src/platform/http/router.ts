import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors/app-error';
import { currentContext } from '../logging/request-context';
import type { Actor } from '../security/actor';
import { successStatus, type AnyRoute } from './route';
import { parsePart } from './validation';

export interface Authenticator {
  /** Verifies the bearer token of a request; throws UnauthorizedError when it is bad. */
  authenticate(authorizationHeader: string | undefined): Promise<Actor>;
}

/**
 * Mounts route definitions on an express router. Authentication, the role check, input
 * validation and the reply all happen here, once, for every route.
 */
export function buildRouter(routes: AnyRoute[], auth: Authenticator): Router {
  const router = express.Router();
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        let actor: Actor | null = null;
        if (route.roles !== 'public') {
          actor = await auth.authenticate(req.headers.authorization);
          const ctx = currentContext();
          if (ctx) ctx.agentId = actor.id;
          if (!route.roles.includes(actor.role))
            throw new ForbiddenError('Your role does not allow this', 'role_not_allowed');
        }
        const params = route.params ? parsePart(route.params, req.params, 'params') : undefined;
        const query = route.query ? parsePart(route.query, req.query, 'query') : undefined;
        const body = route.body ? parsePart(route.body, req.body ?? {}, 'body') : undefined;
        const result = await route.handler({ params, query, body, actor, req, res } as never);
        if (res.headersSent) return;
        const status = result?.status ?? successStatus(route);
        if (result?.headers) res.set(result.headers);
        if (result?.raw !== undefined) {
          res
            .status(status)
            .type(result.contentType ?? 'text/plain')
            .send(result.raw);
        } else if (result?.body === undefined || status === 204) {
          res.status(status).end();
        } else {
          res.status(status).json(result.body);
        }
      } catch (err) {
        next(err);
      }
    });
  }
  return router;
}

export function requireBearer(header: string | undefined): string {
  if (!header) throw new UnauthorizedError('Missing bearer token');
  const [scheme, token] = header.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token)
    throw new UnauthorizedError('Malformed Authorization header');
  return token;
}
