// A fresh database for one test file (or one test): a clone of the migrated template.
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  /** PostgreSQL only: the URL other processes can connect to. */
  url: string | undefined;
  /** A connection pool (PostgreSQL: a new one each call) or the one PGlite instance. */
  open(maxConnections?: number): Promise<Database>;
  /** Close everything opened and remove the database. */
  drop(): Promise<void>;
}

export const onPostgres = () => inject('dbKind') === 'postgres';

let counter = 0;

export async function createTestDatabase(): Promise<TestDatabase> {
  if (inject('dbKind') === 'postgres') {
    const server = inject('pgServerUrl');
    // The server-side template name embeds the vitest main process pid.
    const template = inject('pgTemplate');
    const name = `${template.replace('batchgate_tpl_', 'batchgate_t_')}_${process.pid}_${counter++}_${Date.now() % 100000}`;
    const admin = postgres(server, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${template}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const opened: Database[] = [];
    return {
      kind: 'postgres',
      url: url.toString(),
      async open(maxConnections = 10) {
        const database = await openDatabase({ databaseUrl: url.toString(), maxConnections });
        opened.push(database);
        return database;
      },
      async drop() {
        await Promise.allSettled(opened.map((d) => d.close()));
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  // PGlite is one in-process database: every open() returns the same instance.
  const dump = new Blob([readFileSync(inject('pgliteDumpPath'))]);
  let instance: Promise<Database> | undefined;
  return {
    kind: 'pglite',
    url: undefined,
    open: () => {
      instance ??= openDatabase({ pgliteDump: dump });
      return instance;
    },
    drop: async () => {
      await (await instance)?.close();
    },
  };
}
