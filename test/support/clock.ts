// A clock a test holds still and moves on purpose (to expire files, end rate-limit windows): the
// gateway's `deps.clock`, so every stored or compared time follows it.
import type { Clock } from '../../src/domain/clock.js';

export class TestClock implements Clock {
  private ms: number;

  constructor(start: Date = new Date()) {
    this.ms = start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
