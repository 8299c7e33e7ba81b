import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Actor, Role } from '../security/actor';

declare module 'http' {
  interface IncomingMessage {
    /** The exact request bytes, kept for signature checks on webhooks. */
    rawBody?: Buffer;
  }
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  status: number;
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface HandlerInput<P, Q, B, A> {
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  actor: A;
  req: Request;
  res: Response;
}

/** What a handler returns: a JSON body sent with the route's success status, or a full reply. */
export type HandlerResult =
  | {
      status?: number;
      body?: unknown;
      headers?: Record<string, string>;
      raw?: string | Buffer;
      contentType?: string;
    }
  | undefined;

/**
 * One route: its contract (used to validate, authorise and document it) and its handler.
 * `roles: 'public'` skips authentication (login, refresh, signed webhooks).
 */
export interface RouteSpec<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends readonly Role[] | 'public' = readonly Role[],
> {
  method: HttpMethod;
  path: string;
  summary: string;
  tags: string[];
  roles: R;
  params?: P;
  query?: Q;
  body?: B;
  /** Responses besides the common errors; the first 2xx entry is the success status. */
  responses: RouteResponse[];
  /**
   * Set by `defineWebhook`: the receiver itself, callable without express, so the webhook lane
   * (webhook-lane.ts) can serve the route ahead of the express stack.
   */
  webhook?: (input: WebhookInput<unknown>) => Promise<HandlerResult>;
  handler: (
    input: HandlerInput<P, Q, B, R extends 'public' ? Actor | null : Actor>,
  ) => Promise<HandlerResult>;
}

// The registry stores routes with their types erased; `defineRoute` keeps them for the handler.
export type AnyRoute = RouteSpec<
  z.ZodType | undefined,
  z.ZodType | undefined,
  z.ZodType | undefined,
  readonly Role[] | 'public'
>;

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends readonly Role[] | 'public' = readonly Role[],
>(spec: RouteSpec<P, Q, B, R>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export const successStatus = (route: AnyRoute): number =>
  route.responses.find((r) => r.status >= 200 && r.status < 300)?.status ?? 200;

/** What a webhook receiver is given: the headers, the exact bytes (for the signature), the JSON body. */
export interface WebhookInput<B> {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  body: B;
}

export interface WebhookSpec<B extends z.ZodType | undefined> {
  path: string;
  summary: string;
  tags: string[];
  /** Checked before `receive` is called; leave it out to see the parsed JSON as it came. */
  body?: B;
  responses: RouteResponse[];
  receive: (input: WebhookInput<B extends z.ZodType ? z.output<B> : unknown>) => Promise<HandlerResult>;
}

/**
 * A public `POST` receiver for a signed webhook. It is served by the webhook lane (no express
 * middleware on its canonical path, so acknowledgements stay fast under a delivery storm) and,
 * for any other spelling of the path, by the express router: both call the same `receive`.
 */
export function defineWebhook<B extends z.ZodType | undefined = undefined>(spec: WebhookSpec<B>): AnyRoute {
  const receive = spec.receive as (input: WebhookInput<unknown>) => Promise<HandlerResult>;
  return {
    method: 'post',
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    roles: 'public',
    body: spec.body,
    responses: spec.responses,
    webhook: receive,
    // Without a schema the router passes no body; the receiver still gets the parsed JSON.
    handler: ({ req, body }) =>
      receive({
        headers: req.headers,
        rawBody: req.rawBody ?? Buffer.alloc(0),
        body: spec.body ? body : (req.body as unknown),
      }),
  };
}

/** One header's value (the first, should a client repeat it). */
export function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
