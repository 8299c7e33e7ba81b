import { z } from 'zod';

/**
 * The Quimbi wire contract (v1), see shared/INTELLIGENCE.md. Requests are typed; responses are
 * validated, because a malformed answer from the service is a service failure, not our data.
 */

export const riskLevels = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof riskLevels)[number];

export interface DraftMessage {
  role: 'customer' | 'agent';
  body: string;
  at: string;
}

export interface DraftOrder {
  id: string;
  name: string;
  totalPrice: string;
  currency: string;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  createdAt: string;
}

export interface DraftRequest {
  ticket: { id: string; subject: string; category?: string; messages: DraftMessage[] };
  customer: { id: string; email: string; name?: string; tier?: string; language?: string };
  orders?: DraftOrder[];
  tone?: 'friendly' | 'formal';
}

export interface CategorizeRequest {
  subject: string;
  body: string;
}

const unit = z.number().min(0).max(1);

export const DraftResponse = z.object({
  draft: z.string().min(1),
  confidence: unit,
  language: z.string().min(2).max(35),
});

export const CustomerDna = z.object({
  archetype: z.string(),
  segments: z.array(z.string()),
  traits: z.record(z.string(), z.number()),
  lifetimeValue: z.number().min(0),
  currency: z.string().min(3).max(3),
});

export const ChurnPrediction = z.object({
  probability: unit,
  riskLevel: z.enum(riskLevels),
  drivers: z.array(z.string()),
});

export const CategorizeResponse = z.object({
  category: z.string().min(1),
  confidence: unit,
  candidates: z.array(z.object({ category: z.string(), confidence: unit })),
});

export const HealthResponse = z.object({ status: z.string() });

export type DraftResponse = z.infer<typeof DraftResponse>;
export type CustomerDna = z.infer<typeof CustomerDna>;
export type ChurnPrediction = z.infer<typeof ChurnPrediction>;
export type CategorizeResponse = z.infer<typeof CategorizeResponse>;
