import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { entities } from '../../entities';
import { migrations } from '../../../migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export interface DbOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** How long a query waits for a connection (a new one, or a free one from the pool); 0 = forever. */
  connectTimeoutMs?: number;
  applicationName?: string;
}

export function createDataSource(opts: DbOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    namingStrategy: new SnakeNamingStrategy(),
    applicationName: opts.applicationName ?? 'crm',
    extra: {
      max: opts.poolSize,
      statement_timeout: opts.statementTimeoutMs || undefined,
      idleTimeoutMillis: 30000,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 0,
    },
  });
}

export type Db = DataSource;
export type Tx = EntityManager;
