// A clock tests move by hand: the gateway's every stored time and deadline follows it, so a test
// expires a batch by moving it past `expires_at` instead of writing SQL or waiting a day.
import type { Clock } from '../../src/domain/clock.js';

export class MovableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
