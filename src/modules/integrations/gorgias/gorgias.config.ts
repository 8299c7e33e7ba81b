import { z } from 'zod';
import { envBool, envInt, envOptional, type EnvSection } from '../../../config/env-section';

export interface GorgiasAccount {
  /** The account's subdomain: `acme` for https://acme.gorgias.com. */
  domain: string;
  email: string;
  apiKey: string;
  /** REST base, ending in a slash: https://acme.gorgias.com/api/ unless overridden. */
  apiBaseUrl: string;
  /** Where agents open a ticket in Gorgias' own UI. */
  appBaseUrl: string;
}

export interface GorgiasSettings {
  /** Null when no account is configured: the Gorgias routes then answer 503. */
  account: GorgiasAccount | null;
  /** The value our HTTP integrations send in `X-Webhook-Secret`; null refuses every delivery (503). */
  webhookSecret: string | null;
  /** Push CRM tickets, replies, notes and status changes to Gorgias. */
  push: boolean;
  /** Client-side limit shared by every process: `limit` requests per sliding `windowMs`. */
  rateLimit: { limit: number; windowMs: number; maxWaitMs: number; marginMs?: number };
  timeoutMs: number;
  /** Tickets per page when importing (Gorgias allows up to 100). */
  pageSize: number;
  /** Minutes between reconciliation imports (deliveries can be lost); 0 turns them off. */
  reconcileEveryMinutes: number;
}

const shape = {
  GORGIAS_DOMAIN: envOptional(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be the account subdomain, e.g. acme for acme.gorgias.com'),
  ),
  GORGIAS_EMAIL: envOptional(z.email()),
  GORGIAS_API_KEY: envOptional(z.string().min(1)),
  GORGIAS_API_BASE_URL: envOptional(z.url({ protocol: /^https?$/ })),
  GORGIAS_WEBHOOK_SECRET: envOptional(z.string().min(16, 'must be at least 16 characters')),
  GORGIAS_PUSH: envBool(true),
  GORGIAS_RATE_LIMIT: envInt(40, 1, 10_000),
  GORGIAS_RATE_WINDOW_MS: envInt(20_000, 100),
  GORGIAS_RATE_MAX_WAIT_MS: envInt(120_000, 100),
  GORGIAS_RATE_MARGIN_MS: envOptional(z.coerce.number().int().min(0).max(60_000)),
  GORGIAS_TIMEOUT_MS: envInt(15_000, 100),
  GORGIAS_IMPORT_PAGE_SIZE: envInt(100, 1, 100),
  GORGIAS_RECONCILE_EVERY_MINUTES: envInt(0, 0, 7 * 24 * 60),
};

const accountKeys = ['GORGIAS_DOMAIN', 'GORGIAS_EMAIL', 'GORGIAS_API_KEY'] as const;

/**
 * GORGIAS_* keys. The account is configured by domain, email and API key together (HTTP Basic);
 * giving only some of them is a configuration error, giving none leaves the integration off.
 */
export const gorgiasSection: EnvSection<{ gorgias: GorgiasSettings }> = {
  schema: z
    .object(shape)
    .superRefine((env, ctx) => {
      const given = accountKeys.filter((k) => env[k] !== undefined);
      if (given.length === 0 || given.length === accountKeys.length) return;
      for (const key of accountKeys) {
        if (env[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `is required when ${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set`,
          });
        }
      }
    })
    .transform((env) => {
      const { GORGIAS_DOMAIN: domain, GORGIAS_EMAIL: email, GORGIAS_API_KEY: apiKey } = env;
      const account: GorgiasAccount | null =
        domain && email && apiKey
          ? {
              domain,
              email,
              apiKey,
              apiBaseUrl: withSlash(env.GORGIAS_API_BASE_URL ?? `https://${domain}.gorgias.com/api/`),
              appBaseUrl: `https://${domain}.gorgias.com/app/`,
            }
          : null;
      return {
        gorgias: {
          account,
          webhookSecret: env.GORGIAS_WEBHOOK_SECRET ?? null,
          push: env.GORGIAS_PUSH,
          rateLimit: {
            limit: env.GORGIAS_RATE_LIMIT,
            windowMs: env.GORGIAS_RATE_WINDOW_MS,
            maxWaitMs: env.GORGIAS_RATE_MAX_WAIT_MS,
            ...(env.GORGIAS_RATE_MARGIN_MS !== undefined ? { marginMs: env.GORGIAS_RATE_MARGIN_MS } : {}),
          },
          timeoutMs: env.GORGIAS_TIMEOUT_MS,
          pageSize: env.GORGIAS_IMPORT_PAGE_SIZE,
          reconcileEveryMinutes: env.GORGIAS_RECONCILE_EVERY_MINUTES,
        },
      };
    }) as unknown as z.ZodType<{ gorgias: GorgiasSettings }>,
};

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
