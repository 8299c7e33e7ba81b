import { IdParams } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import { CustomerProfile, Draft, DraftBody } from './intelligence.schemas';
import { toProfileView, type IntelligenceService } from './intelligence.service';

export function intelligenceRoutes(intelligence: IntelligenceService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/tickets/:id/draft',
      summary: 'Draft a reply to the ticket (from Quimbi, or the local intelligence when it is unavailable)',
      tags: ['AI'],
      roles: Roles.staff,
      params: IdParams,
      body: DraftBody,
      responses: [
        { status: 200, description: 'The draft; `source` says where it came from', schema: Draft },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params, body }) => {
        const d = await intelligence.draft(params.id, body.tone);
        return { body: { draft: d.draft, source: d.source, confidence: d.confidence, language: d.language } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/customers/:id/profile',
      summary: 'The customer’s AI profile (DNA) and churn risk with its drivers',
      tags: ['AI'],
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The profile', schema: CustomerProfile },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params }) => ({ body: toProfileView(await intelligence.profile(params.id)) }),
    }),
  ];
}
