import { z } from 'zod';
import { envBool, envInt, envOptional, type EnvSection } from '../../config/env-section';

const shape = {
  QUIMBI_BACKEND_URL: envOptional(z.url({ protocol: /^https?$/ })),
  QUIMBI_API_KEY: envOptional(z.string().min(1)),
  QUIMBI_TIMEOUT_MS: envInt(2000, 50, 120_000),
  QUIMBI_DRAFT_TIMEOUT_MS: envOptional(z.coerce.number().int().min(50).max(120_000)),
  QUIMBI_RETRIES: envInt(2, 0, 5),
  QUIMBI_RETRY_BASE_MS: envInt(100, 1, 10_000),
  QUIMBI_MAX_SOCKETS: envInt(50, 1, 1000),
  QUIMBI_BREAKER_RESET_MS: envInt(30_000, 10),
  QUIMBI_BREAKER_ERROR_PERCENT: envInt(50, 1, 100),
  QUIMBI_BREAKER_VOLUME: envInt(5, 0),
  QUIMBI_BREAKER_WINDOW_MS: envInt(10_000, 100),
  QUIMBI_FAKE: envBool(false),
  QUIMBI_FAKE_PORT: envInt(4010, 0, 65535),
  ENRICHMENT_BUDGET_MS: envInt(300, 0, 10_000),
  INTELLIGENCE_PROFILE_TTL_SECONDS: envInt(900, 1),
  INTELLIGENCE_DRAFT_TTL_SECONDS: envInt(3600, 1),
  INTELLIGENCE_FALLBACK_TTL_SECONDS: envInt(60, 1),
  CATEGORIZER_MIN_EXAMPLES: envInt(5, 1),
  CATEGORIZER_RETRAIN_INTERVAL_MS: envInt(6 * 3600_000, 60_000),
  CATEGORY_AUTO_APPLY_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
};

export interface IntelligenceConfig {
  /** Unset: the CRM answers every intelligence call itself (the local intelligence). */
  backendUrl?: string;
  apiKey?: string;
  timeoutMs: number;
  draftTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  maxSockets: number;
  breaker: { resetMs: number; errorPercent: number; volume: number; windowMs: number };
  /** For scripts/start: run the fake Quimbi server and point the CRM at it (demo only). */
  fake: { enabled: boolean; port: number };
  enrichmentBudgetMs: number;
  ttl: { profileSeconds: number; draftSeconds: number; fallbackSeconds: number };
  /** minExamples: categorised tickets a category needs before the categoriser learns it. */
  categorizer: { minExamples: number; retrainIntervalMs: number; autoApplyConfidence: number };
}

/** `QUIMBI_*`, `ENRICHMENT_BUDGET_MS`, `INTELLIGENCE_*` and `CATEGOR*` keys. */
export const intelligenceSection: EnvSection<{ intelligence: IntelligenceConfig }> = {
  schema: z
    .object(shape)
    .superRefine((env, ctx) => {
      if (env.QUIMBI_BACKEND_URL && !env.QUIMBI_API_KEY) {
        ctx.addIssue({
          code: 'custom',
          path: ['QUIMBI_API_KEY'],
          message: 'is required when QUIMBI_BACKEND_URL is set',
        });
      }
    })
    .transform((env) => ({
      intelligence: {
        backendUrl: env.QUIMBI_BACKEND_URL?.replace(/\/+$/, ''),
        apiKey: env.QUIMBI_API_KEY,
        timeoutMs: env.QUIMBI_TIMEOUT_MS,
        draftTimeoutMs: env.QUIMBI_DRAFT_TIMEOUT_MS ?? env.QUIMBI_TIMEOUT_MS,
        retries: env.QUIMBI_RETRIES,
        retryBaseMs: env.QUIMBI_RETRY_BASE_MS,
        maxSockets: env.QUIMBI_MAX_SOCKETS,
        breaker: {
          resetMs: env.QUIMBI_BREAKER_RESET_MS,
          errorPercent: env.QUIMBI_BREAKER_ERROR_PERCENT,
          volume: env.QUIMBI_BREAKER_VOLUME,
          windowMs: env.QUIMBI_BREAKER_WINDOW_MS,
        },
        fake: { enabled: env.QUIMBI_FAKE, port: env.QUIMBI_FAKE_PORT },
        enrichmentBudgetMs: env.ENRICHMENT_BUDGET_MS,
        ttl: {
          profileSeconds: env.INTELLIGENCE_PROFILE_TTL_SECONDS,
          draftSeconds: env.INTELLIGENCE_DRAFT_TTL_SECONDS,
          fallbackSeconds: env.INTELLIGENCE_FALLBACK_TTL_SECONDS,
        },
        categorizer: {
          minExamples: env.CATEGORIZER_MIN_EXAMPLES,
          retrainIntervalMs: env.CATEGORIZER_RETRAIN_INTERVAL_MS,
          autoApplyConfidence: env.CATEGORY_AUTO_APPLY_CONFIDENCE,
        },
      },
    })) as unknown as z.ZodType<{ intelligence: IntelligenceConfig }>,
};
