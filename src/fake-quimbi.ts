import { parseArgs } from 'node:util';
import { FakeQuimbi } from '../test/fakes/fake-quimbi';

/**
 * Runs the fake Quimbi server (test/fakes/fake-quimbi.ts) as a process, for the demo
 * (`QUIMBI_FAKE=true scripts/start`) and the benchmarks. Prints its URL; its behaviour can be
 * changed while it runs: `curl -X POST <url>/__fake/behaviour -d '{"hang":true}'`.
 *
 *   node dist/src/fake-quimbi.js [--port 4010] [--host 127.0.0.1] [--key fake-quimbi-key]
 *                                [--latency-ms 0] [--error-rate 0]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      key: { type: 'string', default: 'fake-quimbi-key' },
      'latency-ms': { type: 'string', default: '0' },
      'error-rate': { type: 'string', default: '0' },
    },
  });
  const fake = await FakeQuimbi.start({
    port: Number(values.port),
    host: values.host,
    apiKey: values.key,
    control: true,
    behaviour: { latencyMs: Number(values['latency-ms']), errorRate: Number(values['error-rate']) },
  });
  process.stdout.write(`fake Quimbi listening on ${fake.url} (control: POST ${fake.url}/__fake/behaviour)\n`);
  const stop = () => {
    fake.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake Quimbi failed to start: ${String((err as Error)?.message ?? err)}\n`);
  process.exit(1);
});
