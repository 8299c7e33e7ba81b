/**
 * Benchmark phase run by scripts/bench-shopify-webhooks after the acknowledgement run: how fast
 * the worker works off the deliveries a storm left behind, with the API idle. Prints the
 * backlog, the deliveries processed per second, and how long emptying it took (or what was
 * left after BENCH_DRAIN_SECONDS, default 60).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

const limitSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 60);

async function main(): Promise<void> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  const counts = async () =>
    (
      await db.query<{ waiting: number; done: number }>(
        `SELECT count(*) FILTER (WHERE status = 'received')::int AS waiting,
                count(*) FILTER (WHERE status <> 'received')::int AS done
           FROM shopify_webhook_deliveries`,
      )
    ).rows[0] ?? { waiting: 0, done: 0 };
  const first = await counts();
  const started = Date.now();
  let last = first;
  while (last.waiting > 0 && Date.now() - started < limitSeconds * 1000) {
    await sleep(250);
    last = await counts();
  }
  await db.end();
  const seconds = (Date.now() - started) / 1000;
  const processed = last.done - first.done;
  console.log(
    `drain           ${first.waiting} waiting after the storm; the worker processed ${processed} ` +
      `in ${seconds.toFixed(1)} s (${(processed / seconds).toFixed(0)}/s)` +
      (last.waiting > 0 ? `, ${last.waiting} still waiting` : ', none left'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
