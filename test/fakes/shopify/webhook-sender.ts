import { createHmac, randomUUID } from 'node:crypto';

export interface SenderOptions {
  /** Where the CRM listens, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** The app's client secret (the CRM's SHOPIFY_WEBHOOK_SECRET). */
  secret: string;
  shopDomain: string;
  apiVersion?: string;
}

export interface Delivery {
  topic: string;
  /** The exact bytes sent: a retry resends them unchanged, as Shopify does. */
  body: string;
  webhookId: string;
  eventId: string;
  triggeredAt: string;
  signature: string;
}

export interface DeliveryResult {
  status: number;
  body: unknown;
  delivery: Delivery;
}

export function routeOf(topic: string): 'customers' | 'orders' {
  return topic.startsWith('orders/') ? 'orders' : 'customers';
}

/**
 * Sends webhook deliveries the way Shopify does: a JSON body signed with
 * base64(HMAC-SHA256(client secret, body bytes)) in X-Shopify-Hmac-Sha256, and the delivery
 * headers (topic, shop, API version, a webhook id unique per delivery, an event id shared by
 * every delivery of one merchant action, the trigger time). `redeliver` repeats a delivery
 * byte for byte with the same webhook id, as Shopify's retries do.
 */
export class ShopifyWebhookSender {
  constructor(private readonly opts: SenderOptions) {}

  sign(body: string | Buffer, secret = this.opts.secret): string {
    return createHmac('sha256', secret).update(body).digest('base64');
  }

  build(
    topic: string,
    payload: unknown,
    overrides: Partial<Pick<Delivery, 'webhookId' | 'eventId' | 'triggeredAt'>> = {},
  ): Delivery {
    const body = JSON.stringify(payload);
    return {
      topic,
      body,
      webhookId: overrides.webhookId ?? randomUUID(),
      eventId: overrides.eventId ?? randomUUID(),
      triggeredAt: overrides.triggeredAt ?? new Date().toISOString(),
      signature: this.sign(body),
    };
  }

  headers(d: Delivery): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': d.topic,
      'X-Shopify-Hmac-Sha256': d.signature,
      'X-Shopify-Shop-Domain': this.opts.shopDomain,
      'X-Shopify-API-Version': this.opts.apiVersion ?? '2025-10',
      'X-Shopify-Webhook-Id': d.webhookId,
      'X-Shopify-Event-Id': d.eventId,
      'X-Shopify-Triggered-At': d.triggeredAt,
      'User-Agent': 'Shopify-Captain-Hook',
    };
  }

  async deliver(
    topic: string,
    payload: unknown,
    overrides: Partial<Pick<Delivery, 'webhookId' | 'eventId' | 'triggeredAt'>> = {},
  ): Promise<DeliveryResult> {
    return this.send(this.build(topic, payload, overrides));
  }

  /** Sends a delivery (again): same bytes, same headers. */
  async send(d: Delivery, headerOverrides: Record<string, string | null> = {}): Promise<DeliveryResult> {
    const headers: Record<string, string> = { ...this.headers(d) };
    for (const [k, v] of Object.entries(headerOverrides)) {
      if (v === null) delete headers[k];
      else headers[k] = v;
    }
    const res = await fetch(`${this.opts.baseUrl}/api/shopify/webhooks/${routeOf(d.topic)}`, {
      method: 'POST',
      headers,
      body: d.body,
      // Shopify gives up on an answer after 5 seconds.
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body, delivery: d };
  }
}
