// The heap-growth factor: set at start by default, left alone when node was given one.
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../src/observability/heap-growth.js';

describe('limitHeapGrowth', () => {
  it('sets the factor when node was started without one', () => {
    const set: string[] = [];
    expect(limitHeapGrowth(['--enable-source-maps'], (flag) => set.push(flag))).toBe(
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it("keeps the operator's own factor, in either spelling", () => {
    for (const given of ['--heap-growing-percent=100', '--heap_growing_percent=80']) {
      const set: string[] = [];
      expect(limitHeapGrowth([given], (flag) => set.push(flag))).toBeNull();
      expect(set).toEqual([]);
    }
  });
});
