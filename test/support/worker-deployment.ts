// Several worker processes on one PostgreSQL, driven through an in-process api gateway: a database
// of their own, `--role worker` children spawned with a config each, and all of it stopped (the
// children killed) at the end.
import type OpenAI from 'openai';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startGateway, type TestConfigFile, type TestGateway, writeConfigFile } from './gateway.js';
import { type ChildGateway, spawnGateway } from './process.js';

export interface WorkerDeployment {
  db: TestDatabase;
  api: TestGateway;
  /** The openai SDK as a tenant of the api gateway. */
  client: OpenAI;
  /** Start a worker process with this config, once it is ready. */
  worker(config: TestConfigFile): Promise<ChildGateway>;
  close(): Promise<void>;
}

/** An api gateway with `config` on a fresh PostgreSQL database, for worker processes to join. */
export async function startWorkerDeployment(config: TestConfigFile): Promise<WorkerDeployment> {
  const db = await createTestDatabase();
  const api = await startGateway({ database: db, role: 'api', config });
  const client = api.openai((await api.tenant()).key);
  const children: ChildGateway[] = [];
  return {
    db,
    api,
    client,
    async worker(workerConfig) {
      const env = { DATABASE_URL: db.url!, BATCHGATE_CONFIG: writeConfigFile(workerConfig).path };
      const child = await spawnGateway(env, ['--role', 'worker']);
      children.push(child);
      return child;
    },
    async close() {
      await Promise.all(children.map((c) => c.kill('SIGKILL')));
      await api.close();
      await db.drop();
    },
  };
}
