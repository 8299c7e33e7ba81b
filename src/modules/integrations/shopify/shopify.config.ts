import { z } from 'zod';
import { envInt, envOptional, type EnvSection } from '../../../config/env-section';
import type { StormSettings } from './ack-pressure';

/** A shop given as `my-store` or `my-store.myshopify.com` (what the Admin API and webhooks use). */
const shopDomain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]*(\.myshopify\.com)?$/, 'must be a shop name such as my-store.myshopify.com')
  .transform((s) => (s.endsWith('.myshopify.com') ? s : `${s}.myshopify.com`));

const cronExpression = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron expression such as "30 2 * * *"');

export interface ShopifySettings {
  /** The shop domain (`my-store.myshopify.com`) */
  shop: string;
  accessToken: string;
  apiVersion: string;
  /** The app's client secret: webhooks are signed with it. */
  webhookSecret: string;
  /** Sends the Admin API client elsewhere (a fake, a proxy); unset = https://{shop}. */
  apiBaseUrl?: URL;
  reconcileCron: string;
  pageSize: number;
  /** Retries (honouring Retry-After) of background calls: syncs and reconciliation. */
  maxRetries: number;
  timeoutMs: number;
  /** Interactive calls (a customer's orders): no retries, a short timeout. */
  ordersTimeoutMs: number;
  ordersFreshSeconds: number;
  ordersLastGoodSeconds: number;
  deliveryRetentionDays: number;
  /** When the worker yields to the API's acknowledgements (see AckPressure). */
  storm: StormSettings;
}

const shape = {
  SHOPIFY_SHOP: envOptional(shopDomain),
  SHOPIFY_ACCESS_TOKEN: envOptional(z.string().min(1)),
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}$|^unstable$/, 'must be an API version such as 2025-10')
    .default('2025-10'),
  SHOPIFY_WEBHOOK_SECRET: envOptional(z.string().min(1)),
  SHOPIFY_API_BASE_URL: envOptional(z.url({ protocol: /^https?$/ })),
  SHOPIFY_RECONCILE_CRON: cronExpression.default('30 2 * * *'),
  SHOPIFY_PAGE_SIZE: envInt(250, 1, 250),
  SHOPIFY_MAX_RETRIES: envInt(6, 1, 20),
  SHOPIFY_TIMEOUT_MS: envInt(30000, 100),
  SHOPIFY_ORDERS_TIMEOUT_MS: envInt(4000, 50),
  SHOPIFY_ORDERS_CACHE_SECONDS: envInt(300, 1),
  SHOPIFY_ORDERS_LAST_GOOD_HOURS: envInt(168, 1),
  SHOPIFY_DELIVERY_RETENTION_DAYS: envInt(30, 1),
  SHOPIFY_STORM_ACKS_PER_SECOND: envInt(1000, 0),
  SHOPIFY_STORM_PROCESSING_PERCENT: envInt(33, 1, 100),
};

type ShopifyEnv = z.infer<z.ZodObject<typeof shape>>;

function build(env: ShopifyEnv): { shopify: ShopifySettings | undefined } {
  if (!env.SHOPIFY_SHOP || !env.SHOPIFY_ACCESS_TOKEN || !env.SHOPIFY_WEBHOOK_SECRET) {
    return { shopify: undefined };
  }
  return {
    shopify: {
      shop: env.SHOPIFY_SHOP,
      accessToken: env.SHOPIFY_ACCESS_TOKEN,
      apiVersion: env.SHOPIFY_API_VERSION,
      webhookSecret: env.SHOPIFY_WEBHOOK_SECRET,
      apiBaseUrl: env.SHOPIFY_API_BASE_URL ? new URL(env.SHOPIFY_API_BASE_URL) : undefined,
      reconcileCron: env.SHOPIFY_RECONCILE_CRON,
      pageSize: env.SHOPIFY_PAGE_SIZE,
      maxRetries: env.SHOPIFY_MAX_RETRIES,
      timeoutMs: env.SHOPIFY_TIMEOUT_MS,
      ordersTimeoutMs: env.SHOPIFY_ORDERS_TIMEOUT_MS,
      ordersFreshSeconds: env.SHOPIFY_ORDERS_CACHE_SECONDS,
      ordersLastGoodSeconds: env.SHOPIFY_ORDERS_LAST_GOOD_HOURS * 3600,
      deliveryRetentionDays: env.SHOPIFY_DELIVERY_RETENTION_DAYS,
      storm: {
        acksPerSecond: env.SHOPIFY_STORM_ACKS_PER_SECOND,
        processingPercent: env.SHOPIFY_STORM_PROCESSING_PERCENT,
      },
    },
  };
}

/**
 * Shopify is optional: without `SHOPIFY_SHOP`, `config.shopify` is undefined and the Shopify
 * routes answer 503. With a shop, the access token and the webhook secret are required too
 * (reported at start-up like any other bad key).
 */
export const shopifySection: EnvSection<{ shopify: ShopifySettings | undefined }> = {
  schema: z
    .object(shape)
    .superRefine((env, ctx) => {
      if (!env.SHOPIFY_SHOP) return;
      for (const key of ['SHOPIFY_ACCESS_TOKEN', 'SHOPIFY_WEBHOOK_SECRET'] as const) {
        if (!env[key])
          ctx.addIssue({ code: 'custom', path: [key], message: 'is required when SHOPIFY_SHOP is set' });
      }
    })
    .transform(build) as unknown as z.ZodType<{ shopify: ShopifySettings | undefined }>,
};
