import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

const digestBytes = 32;

/**
 * Shopify signs each delivery with base64(HMAC-SHA256(client secret, raw body bytes)) in
 * `X-Shopify-Hmac-Sha256`. The comparison is timing-safe and made on the decoded digest, so a
 * header of the wrong length or alphabet is simply "not equal".
 */
export function isValidShopifySignature(
  rawBody: Buffer | undefined,
  header: string | undefined,
  secret: string | KeyObject,
): boolean {
  if (!rawBody || !header) return false;
  const given = Buffer.from(header.trim(), 'base64');
  if (given.length !== digestBytes) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(given, expected);
}

export function signShopifyBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
