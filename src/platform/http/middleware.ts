import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { isDatabaseUnavailable } from '../db/postgres-errors';
import { isRedisUnavailable } from '../redis/redis';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { currentContext, runWithContext } from '../logging/request-context';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** A sane caller-supplied X-Request-Id, or a new one. */
export function requestIdFor(given: string | string[] | undefined): string {
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}

/** Echoes a sane caller-supplied X-Request-Id or makes one, and scopes the request's logs to it. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const requestId = requestIdFor(req.headers['x-request-id']);
  res.setHeader('X-Request-Id', requestId);
  runWithContext({ requestId }, next);
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/** A body that is not JSON is refused with 415 before any parser sees it. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (bodyMethods.has(req.method) && hasBody && !req.is('application/json')) {
    next(new AppError('unsupported_media_type', 'Request body must be application/json', 415));
    return;
  }
  next();
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new AppError('route_not_found', `No route for ${req.method} ${req.path}`, 404));
}

interface BodyParserError {
  type?: string;
  status?: number;
}

function fromBodyParser(err: unknown): AppError | undefined {
  const type = (err as BodyParserError | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 'Request body is too large', 413);
    case 'entity.parse.failed':
      return new AppError('invalid_json', 'Request body is not valid JSON', 400);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'Unsupported body encoding or charset', 415);
    case 'request.aborted':
      return new AppError('request_aborted', 'Request aborted', 400);
    default:
      return undefined;
  }
}

/** Postgres or Redis out of reach: what every route answers 503 for (API.md). */
function unavailableDependency(err: unknown): 'database' | 'redis' | undefined {
  if (isDatabaseUnavailable(err)) return 'database';
  if (isRedisUnavailable(err)) return 'redis';
  return undefined;
}

export interface ErrorReply {
  status: number;
  headers?: Record<string, string>;
  body: { error: { code: string; message: string; details: unknown; requestId: string } };
}

/**
 * The one place errors become HTTP responses (the express error handler and the webhook lane
 * both use it). Postgres or Redis out of reach is a 503 with Retry-After; unknown errors are a
 * bare 500, logged and reported.
 */
export function errorReply(
  err: unknown,
  requestId: string,
  logger: Logger,
  report: (err: unknown) => void,
): ErrorReply {
  const known = err instanceof AppError ? err : fromBodyParser(err);
  if (known) {
    return {
      status: known.status,
      headers: known.headers,
      body: { error: { code: known.code, message: known.message, details: known.details ?? [], requestId } },
    };
  }
  const unavailable = unavailableDependency(err);
  if (unavailable) {
    // Every request fails alike while it lasts: logged, not reported one by one.
    logger.error({ err }, `${unavailable} unavailable`);
    return {
      status: 503,
      headers: { 'Retry-After': '5' },
      body: {
        error: {
          code: `${unavailable}_unavailable`,
          message: `${unavailable === 'database' ? 'The database' : 'Redis'} is unavailable; retry shortly`,
          details: [],
          requestId,
        },
      },
    };
  }
  logger.error({ err }, 'unhandled error');
  report(err);
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'Internal server error', details: [], requestId } },
  };
}

export function errorHandler(logger: Logger, report: (err: unknown) => void) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      logger.error({ err }, 'error after response started');
      return;
    }
    const requestId = currentContext()?.requestId ?? String(res.getHeader('X-Request-Id') ?? '');
    const reply = errorReply(err, requestId, logger, report);
    if (reply.headers) res.set(reply.headers);
    res.status(reply.status).json(reply.body);
  };
}
