import http from 'node:http';
import https from 'node:https';
import Shopify from 'shopify-api-node';
import type { ShopifySettings } from './shopify.config';

export type PageParams = Record<string, string | number>;

export interface ShopifyPage {
  /** Raw REST resources: validated by the caller with the same schemas as webhook payloads. */
  items: unknown[];
  /** The query of the next page (`page_info`, `limit`), or undefined on the last page. */
  next?: PageParams;
}

/** The slice of the Admin REST API the CRM uses. */
export interface ShopifyAdminApi {
  customersPage(params: PageParams): Promise<ShopifyPage>;
  ordersPage(params: PageParams): Promise<ShopifyPage>;
  countCustomers(params: PageParams): Promise<number>;
  countOrders(params: PageParams): Promise<number>;
  customerOrders(shopifyCustomerId: string, params: PageParams): Promise<unknown[]>;
  close(): void;
}

/** What went wrong talking to Shopify, without the request (which carries the token). */
export class ShopifyCallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ShopifyCallError';
  }
}

interface GotLikeError {
  name?: string;
  code?: string;
  message?: string;
  response?: { statusCode?: number; headers?: Record<string, string | string[] | undefined> };
}

function toCallError(err: unknown): ShopifyCallError {
  const e = (err ?? {}) as GotLikeError;
  const status = e.response?.statusCode;
  const retryAfter = Number(e.response?.headers?.['retry-after']);
  const what = status ? `HTTP ${status}` : (e.code ?? e.name ?? 'error');
  return new ShopifyCallError(
    `Shopify call failed: ${what}`,
    status,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toCallError(err);
  }
}

type BaseUrl = { protocol: string; hostname: string; port?: string };

/**
 * shopify-api-node behind our interface. `background` clients retry (honouring Retry-After:
 * the library's `maxRetries`, exclusive with `autoLimit`); `interactive` ones never retry and
 * time out quickly, since a person is waiting and a cached answer can stand in.
 */
export function createShopifyAdminApi(
  settings: ShopifySettings,
  mode: 'background' | 'interactive',
): ShopifyAdminApi {
  const agent = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };
  const client = new Shopify({
    shopName: settings.shop,
    accessToken: settings.accessToken,
    apiVersion: settings.apiVersion,
    timeout: mode === 'background' ? settings.timeoutMs : settings.ordersTimeoutMs,
    maxRetries: mode === 'background' ? settings.maxRetries : 0,
    agent,
  });
  if (settings.apiBaseUrl) {
    // The library has no base-URL option; its own tests swap `baseUrl` the same way.
    const base = settings.apiBaseUrl;
    const baseUrl: BaseUrl = { protocol: base.protocol, hostname: base.hostname };
    if (base.port) baseUrl.port = base.port;
    (client as unknown as { baseUrl: BaseUrl }).baseUrl = baseUrl;
  }

  const page = (items: Shopify.IPaginatedResult<unknown>): ShopifyPage => {
    // `nextPageParameters` is non-enumerable: read it explicitly, never by spreading.
    const next = items.nextPageParameters as PageParams | undefined;
    return { items: [...items], next };
  };

  return {
    customersPage: (params) => call(async () => page(await client.customer.list(params))),
    ordersPage: (params) => call(async () => page(await client.order.list(params))),
    countCustomers: (params) => call(() => client.customer.count(params)),
    countOrders: (params) => call(() => client.order.count(params)),
    customerOrders: (id, params) => call(() => client.customer.orders(Number(id), params)),
    close: () => {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}
