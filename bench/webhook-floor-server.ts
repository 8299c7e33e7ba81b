/**
 * The floor for bench/shopify-webhooks.ts: a bare node:http process that does the least any
 * receiver must (read the body, check the signature with the app's own function, parse the
 * JSON) and answers the acknowledgement, storing nothing. Measured under the same load as the
 * CRM, it shows what this machine allows before any recording work. Forked by the benchmark;
 * sends `{ port }` to its parent once listening.
 */
import { createSecretKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidShopifySignature } from '../src/modules/integrations/shopify/webhook-signature';

const secret = createSecretKey(Buffer.from(process.env.SHOPIFY_WEBHOOK_SECRET ?? '', 'utf8'));
const ack = Buffer.from(JSON.stringify({ received: true, duplicate: false, ignored: false }));
const rejected = Buffer.from('{}');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const signature = req.headers['x-shopify-hmac-sha256'];
    const valid = isValidShopifySignature(
      body,
      typeof signature === 'string' ? signature : undefined,
      secret,
    );
    if (valid) JSON.parse(body.toString('utf8'));
    const answer = valid ? ack : rejected;
    res.writeHead(valid ? 200 : 401, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': answer.length,
    });
    res.end(answer);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
