import { intArg, parseArgs } from './lib/args';
import { defaultBenchDatabaseUrl, resolveSizes, seedBenchDatabase } from './lib/seed-data';
import { seedExtensions } from './lib/seed-extensions';

const usage = `Usage: npm run bench:seed -- [--tickets 1000000] [--customers N] [--agents N] [--seed 42] [--force]
Loads a benchmark data set into BENCH_DATABASE_URL (default ${defaultBenchDatabaseUrl}).
The core (agents, customers, tickets, messages, status history) is loaded by COPY; then the
extensions fill the later modules' tables from it: ${seedExtensions.map((e) => `${e.name} v${e.version}`).join(', ')}.
Re-running with the same size applies only extensions that are missing or have a newer version
(without reloading the core) and is otherwise a no-op; migrations added since the load run on
the data as they would in production. Another size, a migration numbered before one the data
already saw, or --force truncates and rebuilds everything.`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    console.log(usage);
    return;
  }
  const url = process.env.BENCH_DATABASE_URL ?? defaultBenchDatabaseUrl;
  const opts = {
    url,
    tickets: intArg(args, 'tickets', 1_000_000),
    customers: args.has('customers') ? intArg(args, 'customers', 0) : undefined,
    agents: args.has('agents') ? intArg(args, 'agents', 0) : undefined,
    seed: intArg(args, 'seed', 42),
    force: args.has('force'),
    log: (line: string) => console.log(line),
  };
  const sizes = resolveSizes(opts);
  console.log(
    `Seeding ${new URL(url).pathname.slice(1)}: ${sizes.tickets.toLocaleString('en')} tickets, ` +
      `${sizes.customers.toLocaleString('en')} customers, ${sizes.agents} agents (seed ${opts.seed})`,
  );
  const result = await seedBenchDatabase(opts);
  if (result.skipped) return;
  console.log(`\nMade in ${result.database}:`);
  for (const [name, count] of Object.entries(result.counts))
    console.log(`  ${name.padEnd(36)} ${count.toLocaleString('en')}`);
  for (const run of result.extensions)
    console.log(`  extension ${run.name} v${run.version} took ${run.seconds.toFixed(1)} s`);
  console.log(`Took ${result.seconds.toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
