// Once per test run: build a migrated template database, so each test file starts from a copy in
// well under a second. PostgreSQL: a template database cloned with CREATE DATABASE … TEMPLATE.
// PGlite: a data-directory dump loaded by each test (a cold PGlite start is 5–6 s here).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrate, openDatabase } from '../../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dbKind: 'postgres' | 'pglite';
    /** PostgreSQL: the server URL and the template database name. */
    pgServerUrl: string;
    pgTemplate: string;
    /** PGlite: path of a migrated data-directory dump. */
    pgliteDumpPath: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.BATCHGATE_TEST_DB === 'pglite' ? undefined : process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `batchgate_tpl_${process.pid}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.unsafe(`create database ${template}`);
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${template}`;
    const database = await openDatabase({ databaseUrl: templateUrl.toString(), maxConnections: 1 });
    await migrate(database);
    await database.close();
    project.provide('dbKind', 'postgres');
    project.provide('pgServerUrl', url);
    project.provide('pgTemplate', template);
    project.provide('pgliteDumpPath', '');
    return async () => {
      const leftovers = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`batchgate_t_${process.pid}_%`} or datname = ${template}`;
      for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'batchgate-test-'));
  const database = await openDatabase({});
  await migrate(database);
  if (database.driver.kind !== 'pglite') throw new Error('expected PGlite');
  const dump = await database.driver.pg.dumpDataDir('none');
  writeFileSync(join(dir, 'template.tar'), Buffer.from(await dump.arrayBuffer()));
  await database.close();
  project.provide('dbKind', 'pglite');
  project.provide('pgServerUrl', '');
  project.provide('pgTemplate', `batchgate_tpl_${process.pid}`);
  project.provide('pgliteDumpPath', join(dir, 'template.tar'));
  return () => rmSync(dir, { recursive: true, force: true });
}
