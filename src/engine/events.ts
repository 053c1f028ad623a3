// The event bus: batch changes and worker wake-ups. On PostgreSQL they travel by NOTIFY so every
// api and worker process sees them; on PGlite (one process) they stay in memory. Each process
// holds one LISTEN and fans out to its local subscribers.
import { EventEmitter } from 'node:events';
import type { Database } from '../db/client.js';
import type { BatchEvent, EventBus } from '../domain/events.js';

const BATCH_CHANNEL = 'batchgate_batch_events';
const WORK_CHANNEL = 'batchgate_work';

export interface ClosableEventBus extends EventBus {
  close(): Promise<void>;
}

export async function createEventBus(database: Database): Promise<ClosableEventBus> {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const subscribe = (listener: (event: BatchEvent) => void) => {
    local.on('batch', listener);
    return () => void local.off('batch', listener);
  };
  const onWake = (listener: () => void) => {
    local.on('wake', listener);
    return () => void local.off('wake', listener);
  };

  if (database.kind === 'pglite') {
    return {
      publish: async (event) => void local.emit('batch', event),
      wakeWorkers: async () => void local.emit('wake'),
      subscribe,
      onWake,
      close: async () => void local.removeAllListeners(),
    };
  }

  const unlistenBatch = await database.listen(BATCH_CHANNEL, (payload) => {
    try {
      local.emit('batch', JSON.parse(payload) as BatchEvent);
    } catch {
      // not ours: ignore malformed payloads
    }
  });
  const unlistenWork = await database.listen(WORK_CHANNEL, () => local.emit('wake'));
  return {
    // NOTIFY reaches this process too, through its own LISTEN: no local emit, or it would arrive twice.
    publish: (event) => database.notify(BATCH_CHANNEL, JSON.stringify(event)),
    wakeWorkers: () => database.notify(WORK_CHANNEL, ''),
    subscribe,
    onWake,
    async close() {
      await Promise.allSettled([unlistenBatch(), unlistenWork()]);
      local.removeAllListeners();
    },
  };
}

/**
 * Publishes progress at most once per `intervalMs` per batch (leading and trailing edge), so a
 * batch finishing thousands of requests a second emits ≤ 4 events a second at the default 250 ms.
 */
export class ProgressThrottle {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; dirty: BatchEvent | null }>();

  constructor(
    private readonly bus: EventBus,
    private readonly intervalMs: number,
  ) {}

  touch(event: BatchEvent): void {
    const slot = this.timers.get(event.id);
    if (slot) {
      slot.dirty = event;
      return;
    }
    void this.bus.publish(event).catch(() => {});
    this.arm(event.id);
  }

  private arm(id: string): void {
    const slot = { dirty: null as BatchEvent | null, timer: setTimeout(() => this.fire(id), this.intervalMs) };
    slot.timer.unref();
    this.timers.set(id, slot);
  }

  private fire(id: string): void {
    const slot = this.timers.get(id);
    this.timers.delete(id);
    if (slot?.dirty) {
      void this.bus.publish(slot.dirty).catch(() => {});
      this.arm(id);
    }
  }

  /** Drop pending trailing events (on shutdown). */
  clear(): void {
    for (const slot of this.timers.values()) clearTimeout(slot.timer);
    this.timers.clear();
  }
}
