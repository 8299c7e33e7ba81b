import 'dotenv/config';
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/config';
import { createContainer, type Container } from './container';
import { demoAgents, demoPassword, seedDemo } from './modules/demo/demo-seed';
import { evaluateCommandHelp, runEvaluateCommand } from './modules/intelligence/categorizer/evaluate.command';

/**
 * A command either needs the container (config, Postgres, Redis …) or runs standalone; only
 * the former load the configuration and open connections.
 */
type Command =
  | { help: string; run: (c: Container, args: string[]) => Promise<void>; standalone?: false }
  | { help: string; run: (args: string[]) => Promise<void>; standalone: true };

const commands: Record<string, Command> = {
  'create-admin': {
    help: 'create-admin --email <email> --password <password> [--name <name>]',
    run: async (c, args) => {
      const { values } = parseArgs({
        args,
        options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
      });
      if (!values.email || !values.password) throw new Error('--email and --password are required');
      const agent = await c.services.agents.create({
        email: values.email.toLowerCase(),
        password: values.password,
        name: values.name ?? 'Administrator',
        role: 'admin',
        maxConcurrentTickets: 0,
        acceptsNew: false,
        specializations: [],
        languages: ['en'],
        seniority: 'senior',
      });
      console.log(`admin created: ${agent.email} (${agent.id})`);
    },
  },
  'seed-demo': {
    help: 'seed-demo — adds demo agents, customers and tickets when the database has no tickets',
    run: async (c) => {
      const outcome = await seedDemo(c, c.config.auth.bootstrapAdmin?.email);
      if (outcome === 'skipped') {
        console.log('demo seed skipped: the database already has tickets');
        return;
      }
      console.log('demo data seeded. Logins (password for all: %s):', demoPassword);
      if (!c.config.auth.bootstrapAdmin) console.log('  admin@demo.test (admin)');
      for (const a of demoAgents) console.log(`  ${a.email} (${a.role})`);
    },
  },
  migrate: {
    help: 'migrate — runs pending migrations',
    run: async (c) => {
      const ran = await c.db.runMigrations({ transaction: 'each' });
      console.log(ran.length ? `applied: ${ran.map((m) => m.name).join(', ')}` : 'database is up to date');
    },
  },
  'analytics:rebuild': {
    help: 'analytics:rebuild — recomputes every analytics rollup from raw rows (reports read partial figures meanwhile)',
    run: async (c) => {
      const result = await c.services.analyticsRollups.rebuildAll((done) => {
        if (done % 10_000 === 0) console.log(`  ${done} tickets folded`);
      });
      console.log(`analytics rebuilt: ${result.tickets} tickets in ${(result.ms / 1000).toFixed(1)} s`);
    },
  },
  'analytics:recompute': {
    help: 'analytics:recompute [--day YYYY-MM-DD] — recomputes one day (default yesterday) from raw rows',
    run: async (c, args) => {
      const { values } = parseArgs({ args, options: { day: { type: 'string' } } });
      const result = await c.services.analyticsRollups.recomputeDay(values.day);
      console.log(`analytics day ${result.day} recomputed: ${result.tickets} tickets, ${result.rows} rows`);
    },
  },
  'categorizer:evaluate': {
    help: evaluateCommandHelp,
    standalone: true,
    run: (args) => runEvaluateCommand(args, (line) => console.log(line)),
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(
      `usage: npm run cli -- <command>\n${Object.values(commands)
        .map((c) => `  ${c.help}`)
        .join('\n')}`,
    );
    process.exit(2);
  }
  if (command.standalone) {
    await command.run(args);
    return;
  }
  const container = await createContainer(loadConfig(), { processName: 'cli' });
  try {
    await command.run(container, args);
  } finally {
    await container.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `error: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
});
