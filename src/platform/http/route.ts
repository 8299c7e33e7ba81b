import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Actor, Role } from '../security/actor';

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
  /** Keep the raw request bytes (for signature checks); the body is then parsed but also kept raw. */
  rawBody?: boolean;
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
