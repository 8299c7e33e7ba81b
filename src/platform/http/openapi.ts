import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { successStatus, type AnyRoute } from './route';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

const commonErrors: Record<number, string> = {
  400: 'Malformed or invalid input; details name each bad field',
  401: 'Missing, invalid or expired access token',
  403: 'Your role does not allow this',
  404: 'Not found (also for rows you may not see)',
  409: 'Conflict: duplicate, illegal state transition or stale update',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Rate limited; see Retry-After',
  503: 'A dependency is unavailable (on every route: Postgres or Redis out of reach); see Retry-After',
};

/** The OpenAPI document, generated from the same route definitions that validate requests. */
export function buildOpenApiDocument(routes: AnyRoute[], info: { title: string; version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  for (const route of routes) {
    const responses: Record<
      string,
      { description: string; content?: Record<string, { schema: z.ZodType }> }
    > = {};
    for (const r of route.responses) {
      // Several entries with one status describe the same answer in other content types (CSV).
      const earlier = responses[String(r.status)];
      const content = r.schema
        ? { ...earlier?.content, [r.contentType ?? 'application/json']: { schema: r.schema } }
        : earlier?.content;
      responses[String(r.status)] = {
        description: earlier?.description ?? r.description,
        ...(content ? { content } : {}),
      };
    }
    // 400 (input) and 503 (Postgres or Redis out of reach) can come from any route.
    const errorStatuses = [400, 404, 409, 413, 415, 429, 503].filter(
      (s) => route.responses.some((r) => r.status === s) || s === 400 || s === 503,
    );
    if (route.roles !== 'public') errorStatuses.push(401, 403);
    for (const s of errorStatuses) {
      responses[String(s)] ??= {
        description: commonErrors[s] ?? 'Error',
        content: { 'application/json': { schema: ErrorBody } },
      };
    }
    const hasJsonBody = route.body && ['post', 'put', 'patch'].includes(route.method);
    registry.registerPath({
      method: route.method,
      path: route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
      summary: route.summary,
      tags: route.tags,
      description:
        route.roles === 'public'
          ? 'No access token required.'
          : `Roles: ${route.roles.join(', ')}. Success: ${successStatus(route)}.`,
      security: route.roles === 'public' ? [] : [{ bearer: [] }],
      request: {
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(hasJsonBody && route.body
          ? { body: { content: { 'application/json': { schema: route.body } } } }
          : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { ...info, description: 'Support-ticketing CRM API. Generated from the request schemas.' },
    servers: [{ url: '/' }],
  });
}
