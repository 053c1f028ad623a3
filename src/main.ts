#!/usr/bin/env node
// The `batchgate` bin. With no command it serves: validates the configuration (exits non-zero
// listing every problem), starts tracing when configured, starts the roles (`--role
// all|api|worker`), and shuts down gracefully on SIGTERM/SIGINT. With a command (submit, status,
// list, watch, cancel, retry, download) it is a client of a running gateway (src/cli); the
// server's modules are loaded only to serve.
import { runCli } from './cli/program.js';

async function serve(): Promise<void> {
  const { ConfigError, loadConfig } = await import('./config.js');
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
  const { limitHeapGrowth } = await import('./observability/heap-growth.js');
  limitHeapGrowth();
  const { startTracing } = await import('./observability/tracing.js');
  const tracing = await startTracing(config);
  // Loaded only now: the HTTP server must load after tracing patched `node:http`.
  const { startBatchgate } = await import('./server.js');
  const { createLogger } = await import('./observability/logger.js');
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

runCli(process.argv, serve).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`batchgate failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
