import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseContentType } from 'content-type';
import getRawBody from 'raw-body';
import type { Histogram } from 'prom-client';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { runWithContext } from '../logging/request-context';
import { errorReply, requestIdFor } from './middleware';
import { successStatus, type AnyRoute, type HandlerResult } from './route';
import { parsePart } from './validation';

export interface WebhookLaneDeps {
  routes: AnyRoute[];
  /** The same limit express.json applies (e.g. "1mb"). */
  bodyLimit: string;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  logger: Logger;
  report: (err: unknown) => void;
}

type Receive = NonNullable<AnyRoute['webhook']>;

/** Answers the request if it is for a webhook route; false means "not mine, hand it to express". */
export type WebhookLane = (req: IncomingMessage, res: ServerResponse) => boolean;

const unsupported = (message: string) => new AppError('unsupported_media_type', message, 415);
const invalidJson = () => new AppError('invalid_json', 'Request body is not valid JSON', 400);

/**
 * Serves `defineWebhook` routes straight off node:http. Express's per-request machinery (its
 * router, helmet, the generic JSON parser) costs more CPU than the acknowledgement itself: a
 * bare express 5 answers a fifth of what node:http does on this hardware, and a storm of
 * deliveries (Shopify retries anything not acknowledged within 5 s) is exactly when that matters.
 *
 * The contract is the express path's, kept by sharing its pieces: X-Request-Id and the request's
 * log context, the body limit and raw-body's errors, JSON only (415 otherwise), strict JSON
 * (objects and arrays), the route's body schema, the same error replies and the same latency
 * metric. Only the exact canonical path is taken; every other spelling goes to express, which
 * calls the same receiver.
 */
export function webhookLane(deps: WebhookLaneDeps): WebhookLane {
  const byPath = new Map<string, { route: AnyRoute; receive: Receive }>();
  for (const route of deps.routes)
    if (route.webhook) byPath.set(route.path, { route, receive: route.webhook });

  return (req, res) => {
    if (req.method !== 'POST' || !req.url) return false;
    const query = req.url.indexOf('?');
    const match = byPath.get(query === -1 ? req.url : req.url.slice(0, query));
    if (!match) return false;
    const { route, receive } = match;

    const started = process.hrtime.bigint();
    res.on('finish', () => {
      deps.httpDuration.observe(
        { method: 'POST', route: route.path, status: `${Math.floor(res.statusCode / 100)}xx` },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    runWithContext({ requestId }, () => {
      serve(route, receive, req, deps.bodyLimit)
        .then((result) => reply(res, route, result))
        .catch((err: unknown) => {
          const r = errorReply(err, requestId, deps.logger, deps.report);
          sendJson(res, r.status, r.body, r.headers);
          // An unread body would otherwise keep the connection busy; drop it instead.
          if (!req.complete) req.resume();
        });
    });
    return true;
  };
}

async function serve(
  route: AnyRoute,
  receive: Receive,
  req: IncomingMessage,
  limit: string,
): Promise<HandlerResult> {
  const rawBody = await readJsonBytes(req, limit);
  const parsed = rawBody.length > 0 ? parseStrictJson(rawBody) : undefined;
  const body = route.body ? parsePart(route.body, parsed ?? {}, 'body') : parsed;
  return receive({ headers: req.headers, rawBody, body });
}

/** The body's bytes, refused unless it is (uncompressed, UTF-8) JSON within the limit. */
async function readJsonBytes(req: IncomingMessage, limit: string): Promise<Buffer> {
  const length = req.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return Buffer.alloc(0);
  let media: { type: string; parameters: Record<string, string> };
  try {
    media = parseContentType(req.headers['content-type'] ?? '');
  } catch {
    throw unsupported('Request body must be application/json');
  }
  if (media.type !== 'application/json') throw unsupported('Request body must be application/json');
  const charset = media.parameters.charset?.toLowerCase();
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if ((charset && charset !== 'utf-8') || encoding !== 'identity') {
    throw unsupported('Unsupported body encoding or charset');
  }
  // raw-body's errors carry the same `type`s as express.json's, so errorReply maps them alike.
  return getRawBody(req, { length, limit });
}

/** JSON.parse, but only objects and arrays at the top (express.json's `strict`). */
function parseStrictJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  const first = /^[\s\uFEFF]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw invalidJson();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidJson();
  }
}

function reply(res: ServerResponse, route: AnyRoute, result: HandlerResult): void {
  const status = result?.status ?? successStatus(route);
  if (result?.raw !== undefined) {
    const raw = typeof result.raw === 'string' ? Buffer.from(result.raw, 'utf8') : result.raw;
    res.writeHead(status, {
      ...result.headers,
      'Content-Type': result.contentType ?? 'text/plain; charset=utf-8',
      'Content-Length': raw.length,
    });
    res.end(raw);
  } else if (result?.body === undefined || status === 204) {
    res.writeHead(status, result?.headers);
    res.end();
  } else {
    sendJson(res, status, result.body, result.headers);
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  if (res.headersSent) return;
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': bytes.length,
  });
  res.end(bytes);
}
