import { z } from 'zod';
import { riskLevels } from './quimbi/quimbi.contract';

const source = z.enum(['intelligence', 'fallback']).meta({
  description: '`intelligence`: from the Quimbi service; `fallback`: from the CRM’s local intelligence',
});

export const DraftBody = z
  .object({ tone: z.enum(['friendly', 'formal']).optional() })
  .strict()
  .meta({ id: 'DraftRequest' });

export const Draft = z
  .object({
    draft: z.string(),
    source,
    confidence: z.number().min(0).max(1).optional(),
    language: z.string().optional(),
  })
  .meta({ id: 'Draft' });

export const CustomerDnaView = z
  .object({
    archetype: z.string(),
    segments: z.array(z.string()),
    traits: z.record(z.string(), z.number()),
    lifetimeValue: z.number(),
    currency: z.string(),
  })
  .meta({ id: 'CustomerDna' });

export const ChurnView = z
  .object({
    probability: z.number().min(0).max(1),
    riskLevel: z.enum(riskLevels),
    drivers: z.array(z.string()).meta({ description: 'Why, most important first' }),
  })
  .meta({ id: 'ChurnRisk' });

export const CustomerProfile = z
  .object({ dna: CustomerDnaView, churn: ChurnView, source })
  .meta({ id: 'CustomerProfile' });

export type DraftInput = z.output<typeof DraftBody>;
