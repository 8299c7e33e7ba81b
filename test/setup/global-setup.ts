import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/platform/db/data-source';
import { dbUrl, runPrefix, testEnv } from './test-env';

const staleAfterMs = 6 * 3600 * 1000;

/**
 * Migrates one template database per test run; each test file clones it
 * (CREATE DATABASE … TEMPLATE …), which takes a fraction of a second. Databases left behind by
 * crashed runs more than six hours old are dropped.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const admin = new Client({ connectionString: testEnv.pgAdminUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Cannot reach PostgreSQL at ${testEnv.pgAdminUrl} (${(err as Error).message}). Is it running?`,
    );
  }
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'crmt\\_%'`,
    );
    for (const { datname } of rows) {
      const stamp = parseInt(datname.split('_')[1]?.slice(0, 8) ?? '', 36);
      if (Number.isFinite(stamp) && Date.now() - stamp > staleAfterMs) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    const template = `${runPrefix(runId)}_tpl`;
    await admin.query(`CREATE DATABASE "${template}"`);
    const ds = createDataSource({
      url: dbUrl(template),
      poolSize: 2,
      statementTimeoutMs: 0,
      applicationName: 'crm-test-setup',
    });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
    process.env.CRM_TEST_RUN_ID = runId;
    process.env.CRM_TEST_TEMPLATE = template;
  } finally {
    await admin.end();
  }
}
