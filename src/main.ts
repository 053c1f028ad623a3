#!/usr/bin/env node
// CLI entry: `batchgate [--role all|api|worker]`. Validates the configuration (exits non-zero
// listing every problem), starts tracing when configured, starts the roles, and shuts down
// gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './observability/logger.js';
import { startTracing } from './observability/tracing.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const tracing = await startTracing(config);
  // Loaded only now: the HTTP server must load after tracing patched `node:http`.
  const { startBatchgate } = await import('./server.js');
  const logger = createLogger(config, tracing?.logMixin);
  const batchgate = await startBatchgate(config, { logger, tracing });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    batchgate.deps.log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      batchgate.deps.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    batchgate.close().then(
      () => process.exit(0),
      (error) => {
        batchgate.deps.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`batchgate failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
