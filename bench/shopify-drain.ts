/**
 * Benchmark phase run by scripts/bench-shopify-webhooks after the acknowledgement run: how fast
 * the worker works off the deliveries a storm left behind, with the API idle. Prints the
 * backlog, the deliveries processed per second, and how long emptying it took (or what was
 * left after BENCH_DRAIN_SECONDS, default 60); with BENCH_WORKER_PID, the worker's and Postgres's
 * CPU per delivery processed. With BENCH_DRAIN_FROM_FIRST=1 (a worker started just now) it
 * measures from the first delivery processed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { cpuMs, postgresCpuMs } from './lib/load';

const limitSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 60);
const fromFirst = process.env.BENCH_DRAIN_FROM_FIRST === '1';
const workerPid = process.env.BENCH_WORKER_PID ? Number(process.env.BENCH_WORKER_PID) : null;
const workerCpuMs = () => (workerPid === null ? null : cpuMs(workerPid));

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
  let first = await counts();
  if (fromFirst) {
    // The worker was started for this phase: its start-up is not part of the drain.
    const waitUntil = Date.now() + 30_000;
    for (const before = first.done; first.done === before && Date.now() < waitUntil; first = await counts())
      await sleep(20);
  }
  // While the CPU is measured, only a probe for one waiting delivery (on the pending index):
  // counting the whole table every 250 ms cost Postgres ~20 ms a time, a fifth of its share.
  const anyWaiting = async () =>
    (
      await db.query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM shopify_webhook_deliveries WHERE status = 'received') AS waiting`,
      )
    ).rows[0]?.waiting === true;
  const cpuBefore = { worker: workerCpuMs(), postgres: postgresCpuMs() };
  const started = Date.now();
  let waiting = first.waiting > 0;
  while (waiting && Date.now() - started < limitSeconds * 1000) {
    await sleep(250);
    waiting = await anyWaiting();
  }
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = { worker: workerCpuMs(), postgres: postgresCpuMs() };
  const last = await counts();
  await db.end();
  const processed = last.done - first.done;
  const perDelivery = (before: number | null, after: number | null) =>
    before === null || after === null || processed === 0
      ? 'n/a'
      : `${(((after - before) * 1000) / processed).toFixed(0)} µs`;
  if (first.waiting === 0) {
    console.log('drain           nothing waiting after the storm: the worker kept up');
    return;
  }
  console.log(
    `drain           ${first.waiting} waiting after the storm; the worker processed ${processed} ` +
      `in ${seconds.toFixed(1)} s (${(processed / seconds).toFixed(0)}/s)` +
      (last.waiting > 0 ? `, ${last.waiting} still waiting` : ', none left'),
  );
  console.log(
    `CPU per delivery worker ${perDelivery(cpuBefore.worker, cpuAfter.worker)}, ` +
      `Postgres ${perDelivery(cpuBefore.postgres, cpuAfter.postgres)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
