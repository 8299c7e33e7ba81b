import { loadConfig } from '../../src/config/config';
import {
  isValidShopifySignature,
  signShopifyBody,
} from '../../src/modules/integrations/shopify/webhook-signature';
import { baseTestEnv } from '../setup/test-app';

describe('webhook signature', () => {
  const secret = 'hush';
  const body = Buffer.from('{"id":1,"email":"a@example.com"}');

  test('when the signature is base64 HMAC-SHA256 of the exact bytes, then it is valid', () => {
    expect(isValidShopifySignature(body, signShopifyBody(body, secret), secret)).toBe(true);
  });

  test('when one byte of the body differs, then it is invalid', () => {
    const sig = signShopifyBody(body, secret);
    expect(isValidShopifySignature(Buffer.from('{"id":1,"email":"a@example.con"}'), sig, secret)).toBe(false);
  });

  test('when the body was re-serialised (same JSON, other bytes), then it is invalid', () => {
    const sig = signShopifyBody(body, secret);
    expect(isValidShopifySignature(Buffer.from('{"id": 1, "email": "a@example.com"}'), sig, secret)).toBe(
      false,
    );
  });

  test('when the header is missing, empty, of another length or not base64, then it is invalid', () => {
    expect(isValidShopifySignature(body, undefined, secret)).toBe(false);
    expect(isValidShopifySignature(body, '', secret)).toBe(false);
    expect(isValidShopifySignature(body, 'c2hvcnQ=', secret)).toBe(false);
    expect(isValidShopifySignature(body, '!!!not base64!!!', secret)).toBe(false);
    expect(isValidShopifySignature(undefined, signShopifyBody(body, secret), secret)).toBe(false);
  });

  test('when signed with another secret, then it is invalid', () => {
    expect(isValidShopifySignature(body, signShopifyBody(body, 'other'), secret)).toBe(false);
  });
});

describe('configuration', () => {
  const base = baseTestEnv('db', 'prefix');

  test('when no shop is set, then Shopify is simply off', () => {
    expect(loadConfig(base).shopify).toBeUndefined();
  });

  test('when a shop is set, then the name is normalised and defaults apply', () => {
    const config = loadConfig({
      ...base,
      SHOPIFY_SHOP: 'My-Store',
      SHOPIFY_ACCESS_TOKEN: 't',
      SHOPIFY_WEBHOOK_SECRET: 's',
    });
    expect(config.shopify).toMatchObject({
      shop: 'my-store.myshopify.com',
      apiVersion: '2025-10',
      pageSize: 250,
      reconcileCron: '30 2 * * *',
      ordersFreshSeconds: 300,
    });
  });

  test('when a shop is set without its token and secret, then start-up fails naming both keys', () => {
    expect(() => loadConfig({ ...base, SHOPIFY_SHOP: 'my-store' })).toThrow(
      /SHOPIFY_ACCESS_TOKEN is required when SHOPIFY_SHOP is set[\s\S]*SHOPIFY_WEBHOOK_SECRET is required/,
    );
  });

  test('when values are malformed, then each is reported', () => {
    expect(() =>
      loadConfig({
        ...base,
        SHOPIFY_SHOP: 'not a shop!',
        SHOPIFY_API_BASE_URL: 'ftp://x',
        SHOPIFY_PAGE_SIZE: '500',
      }),
    ).toThrow(/SHOPIFY_SHOP[\s\S]*SHOPIFY_API_BASE_URL[\s\S]*SHOPIFY_PAGE_SIZE/);
  });
});
