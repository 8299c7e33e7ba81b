import { z } from 'zod';
import { keywordsKind } from './keyword.classifier';
import { tfidfLinearKind } from './tfidf-linear.classifier';

const label = z.string().min(1).max(200);
const unique = (values: readonly string[]) => new Set(values).size === values.length;
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

const FeatureBlock = z
  .object({
    kind: z.enum(['word', 'char']),
    minN: z.number().int().min(1).max(10),
    maxN: z.number().int().min(1).max(10),
    minDf: z.number().int().min(1),
    weight: z.number().positive(),
    terms: z.array(z.string().min(1)).refine(unique, 'terms must be unique'),
    idf: base64,
  })
  .refine((b) => b.minN <= b.maxN, 'minN must not exceed maxN');

export const SerializedTfidfLinearSchema = z.object({
  kind: z.literal(tfidfLinearKind),
  version: z.literal(1),
  labels: z.array(label).min(2).refine(unique, 'labels must be unique'),
  bias: z.number(),
  confidenceScale: z.number().positive(),
  blocks: z.array(FeatureBlock).min(1),
  weightScale: z.number().positive(),
  weights: base64,
});

export const SerializedKeywordsSchema = z.object({
  kind: z.literal(keywordsKind),
  version: z.literal(1),
  fallbackLabel: label,
  rules: z
    .array(z.object({ label, keywords: z.array(z.string().trim().min(1).max(200)) }))
    .min(1)
    .refine((rules) => unique(rules.map((r) => r.label)), 'each label may have one rule only'),
});

export const SerializedClassifierSchema = z.discriminatedUnion('kind', [
  SerializedTfidfLinearSchema,
  SerializedKeywordsSchema,
]);
export type SerializedClassifier = z.infer<typeof SerializedClassifierSchema>;
