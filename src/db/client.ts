// The database handle: PostgreSQL through `postgres` when DATABASE_URL is set, embedded PGlite
// otherwise. Both run the same drizzle-kit migrations and expose the same small surface
// (Drizzle, raw rows, LISTEN/NOTIFY); the driver differences are absorbed here and nowhere else.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './index.js';

export type Schema = typeof schema;
/** Drizzle over either driver; a transaction is also a `Db`. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Driver = { kind: 'postgres'; sql: postgres.Sql; url: string } | { kind: 'pglite'; pg: PGlite };

/** A raw statement with $n parameters, answering its rows. */
export type Query = <T>(text: string, params: unknown[]) => Promise<T[]>;

export interface Database {
  readonly kind: Driver['kind'];
  readonly db: Db;
  readonly driver: Driver;
  /**
   * A raw statement with $n parameters, prepared once per connection on PostgreSQL (Drizzle sends
   * unnamed statements that are parsed and planned on every call). For the engine's hot path.
   */
  query<T>(text: string, params: unknown[]): Promise<T[]>;
  /** Run `work` in one transaction, its statements through the `query` it is given. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  /** Subscribe to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Rows of a raw query, whatever the driver (postgres-js returns an array, PGlite `{ rows }`). */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

/** The package root, found by walking up from this file, so source and compiled code agree. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above src/db');
    dir = parent;
  }
  return dir;
}

export const migrationsFolder = () => join(packageRoot(), 'schema', 'migrations');

export interface OpenOptions {
  databaseUrl?: string;
  /** Directory for PGlite's files; ignored on PostgreSQL. */
  dataDir?: string;
  /** A PGlite data directory dump to start from (tests clone a migrated template this way). */
  pgliteDump?: Blob;
  maxConnections?: number;
}

/**
 * postgres-js options for a URL, also accepting libpq's `?host=/socket/dir` for a Unix socket
 * (cheaper than loopback TCP for a PostgreSQL on the same host).
 */
export function postgresConnection(url: string, options: postgres.Options<Record<string, never>> = {}): postgres.Sql {
  const parsed = new URL(url);
  const socketDir = parsed.searchParams.get('host');
  if (socketDir?.startsWith('/')) {
    parsed.searchParams.delete('host');
    const port = parsed.port || '5432';
    return postgres(parsed.toString(), { ...options, path: `${socketDir}/.s.PGSQL.${port}` });
  }
  return postgres(url, options);
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.maxConnections ?? 10) : openPglite(options);
}

function openPostgres(url: string, max: number): Database {
  const sql = postgresConnection(url, { max, onnotice: () => {}, connection: { application_name: 'batchgate' } });
  const db = drizzlePostgres(sql, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    driver: { kind: 'postgres', sql, url },
    query: async <T>(text: string, params: unknown[]) =>
      (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[],
    transaction: <T>(work: (query: Query) => Promise<T>) =>
      sql.begin((tx) =>
        work(
          async <R>(text: string, params: unknown[]) =>
            (await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as R[],
        ),
      ) as Promise<T>,
    async listen(channel, onPayload) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return unlisten;
    },
    async notify(channel, payload) {
      await sql.notify(channel, payload);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(options: OpenOptions): Promise<Database> {
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = resolve(options.dataDir, 'pgdata');
    mkdirSync(dataDir, { recursive: true });
  }
  const pg = await PGlite.create({ dataDir, loadDataDir: options.pgliteDump });
  const db = drizzlePglite(pg, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    driver: { kind: 'pglite', pg },
    query: async <T>(text: string, params: unknown[]) => (await pg.query<T>(text, params)).rows,
    transaction: <T>(work: (query: Query) => Promise<T>) =>
      pg.transaction((tx) =>
        work(async <R>(text: string, params: unknown[]) => (await tx.query<R>(text, params)).rows),
      ),
    listen: (channel, onPayload) => pg.listen(channel, onPayload),
    async notify(channel, payload) {
      await pg.query('select pg_notify($1, $2)', [channel, payload]);
    },
    close: () => pg.close(),
  };
}

/** Apply every committed migration; safe to run on every start and from several processes. */
export async function migrate(database: Database): Promise<void> {
  const folder = migrationsFolder();
  if (database.driver.kind === 'postgres') {
    // One dedicated connection holding an advisory lock serializes concurrent starts: drizzle's
    // migrator is not safe to run twice at once.
    const conn = postgresConnection(database.driver.url, { max: 1, onnotice: () => {} });
    try {
      await conn`select pg_advisory_lock(727274)`;
      await migratePostgres(drizzlePostgres(conn), { migrationsFolder: folder });
    } finally {
      await conn.end({ timeout: 5 });
    }
  } else {
    await migratePglite(database.db as never, { migrationsFolder: folder });
  }
}
