// What the per-key API limit adds to each request: one `spend` of the shared budget (one upsert on
// PostgreSQL, shared by every api process) against the in-memory budget a PGlite gateway uses.
// Sequential spends (each request's added latency: median and p99, µs) and spends from many
// requests at once on one key and on many keys (spends per second).
//
//   npm run bench:key-budget -- [--spends 5000] [--concurrency 32]
import { parseArgs } from 'node:util';
import { migrate, openDatabase } from '../src/db/client.js';
import { apiKeys } from '../src/db/tables/api-keys.js';
import { projects } from '../src/db/tables/projects.js';
import { systemClock } from '../src/domain/clock.js';
import { MemoryRequestBudget, type RequestBudget, SharedRequestBudget } from '../src/domain/keys/request-budget.js';
import { freshDatabase, median } from './lib.js';

const { values } = parseArgs({
  options: { spends: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '32' } },
});
const SPENDS = Number(values.spends);
const CONCURRENCY = Number(values.concurrency);
const KEYS = 64;

const database = await openDatabase({ databaseUrl: await freshDatabase('batchgate_bench_key_budget') });
await migrate(database);
await database.db.insert(projects).values({ id: 'bench' });
const keyIds = Array.from({ length: KEYS }, (_, i) => `key_bench_${i}`);
await database.db
  .insert(apiKeys)
  .values(keyIds.map((id) => ({ id, projectId: 'bench', name: id, keyHash: `hash_${id}` })));

const budgets: Record<string, RequestBudget> = {
  memory: new MemoryRequestBudget(systemClock, Number.MAX_SAFE_INTEGER),
  postgres: new SharedRequestBudget(database, systemClock, Number.MAX_SAFE_INTEGER),
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function sequential(budget: RequestBudget) {
  const micros: number[] = [];
  for (let i = 0; i < SPENDS; i++) {
    const started = performance.now();
    await budget.spend(keyIds[0]!);
    micros.push((performance.now() - started) * 1000);
  }
  micros.sort((a, b) => a - b);
  return { medianUs: Math.round(median(micros)), p99Us: Math.round(percentile(micros, 0.99)) };
}

async function concurrent(budget: RequestBudget, keys: string[]) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SPENDS) await budget.spend(keys[next++ % keys.length]!);
    }),
  );
  return Math.round(SPENDS / ((performance.now() - started) / 1000));
}

for (const budget of Object.values(budgets)) await sequential(budget); // warm up (prepare, JIT)
const report: Record<string, unknown> = { spends: SPENDS, concurrency: CONCURRENCY };
for (const [name, budget] of Object.entries(budgets)) {
  report[name] = {
    ...(await sequential(budget)),
    perSecondOneKey: await concurrent(budget, keyIds.slice(0, 1)),
    perSecondManyKeys: await concurrent(budget, keyIds),
  };
}
console.log(JSON.stringify(report, null, 2));
await database.close();
