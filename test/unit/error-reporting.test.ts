import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Sentry from '@sentry/node';
import { createErrorReporter } from '../../src/platform/errors/reporting';

/** A local Sentry ingest: records every envelope posted to it. */
let ingest: Server;
const envelopes: string[] = [];

beforeAll(async () => {
  ingest = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      envelopes.push(body);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await Sentry.close(2000);
  await new Promise((resolve) => ingest.close(resolve));
});

test('when a DSN is set, then errors reach Sentry and nothing instruments requests or traces them', async () => {
  const { port } = ingest.address() as AddressInfo;
  const report = createErrorReporter(`http://publickey@127.0.0.1:${port}/1`, 'test');
  report(new Error('boom for the reporter test'));
  await Sentry.flush(3000);

  expect(envelopes.some((e) => e.includes('boom for the reporter test'))).toBe(true);
  const options = Sentry.getClient()?.getOptions();
  expect(options?.tracesSampleRate).toBeUndefined();
  const names = (options?.integrations ?? []).map((i) => i.name);
  expect(names).toEqual(
    expect.arrayContaining(['OnUncaughtException', 'OnUnhandledRejection', 'LinkedErrors']),
  );
  for (const instrumenting of ['Http', 'NodeFetch', 'Express', 'Console'])
    expect(names).not.toContain(instrumenting);
});
