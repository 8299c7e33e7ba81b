import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import type { JobsService } from './jobs.service';

const JobStatus = z
  .object({
    id: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z.object({ done: z.number(), total: z.number().optional() }),
    result: z.unknown().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'JobStatus' });

export function jobRoutes(jobs: JobsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/jobs/:id',
      summary: 'State and progress of a long job (imports, syncs) you started',
      tags: ['Jobs'],
      roles: Roles.everyone,
      params: z.object({ id: z.string().regex(/^[a-z-]+:[A-Za-z0-9:_-]{1,200}$/, 'is not a job id') }),
      responses: [
        { status: 200, description: 'The job', schema: JobStatus },
        { status: 404, description: 'No such job (or not yours)' },
      ],
      handler: async ({ params, actor }) => ({ body: await jobs.status(actor, params.id) }),
    }),
  ];
}
