// The process logger: pino, as JSON lines or (LOG_FORMAT=pretty) human-readable through
// pino-pretty, with the active trace's `trace_id`/`span_id` on every line when tracing is on.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config.js';

/** Fields added to every log line (the tracing module supplies the trace ids). */
export type LogMixin = () => Record<string, unknown>;

export function createLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, mixin?: LogMixin): Logger {
  const options = { level: config.logLevel, name: 'batchgate', ...(mixin ? { mixin } : {}) };
  if (config.logFormat === 'json') return pino(options);
  return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true }));
}
