// Counters first (server/intake/foreground.ts): a bulk intake's extra workers give way while a counter's intake is
// in flight, for a bounded time.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createForeground } from '../server/intake/foreground.js';

describe('counters first (foreground gate)', () => {
  it('lets a worker go at once when no counter intake is in flight', async () => {
    const gate = createForeground();
    const t = performance.now();
    await gate.idle(1000);
    assert.ok(performance.now() - t < 50);
  });

  it('holds a worker until the counter intakes in flight have ended', async () => {
    const gate = createForeground();
    let release!: () => void;
    const counter = gate.run(() => new Promise<string>((r) => (release = () => r('verdict'))));
    assert.equal(gate.inFlight, 1);
    let through = false;
    const waiting = gate.idle(5000).then(() => (through = true));
    await sleep(30);
    assert.equal(through, false, 'the worker waits while the counter intake runs');
    release();
    assert.equal(await counter, 'verdict');
    await waiting;
    assert.equal(gate.inFlight, 0);
  });

  it('never holds a worker longer than its bound, and counts a failed intake as ended', async () => {
    const gate = createForeground();
    const endless = gate.run(() => new Promise(() => {}));
    void endless;
    const t = performance.now();
    await gate.idle(40);
    assert.ok(performance.now() - t >= 35, 'waited for the bound');
    const failing = createForeground();
    await assert.rejects(failing.run(() => Promise.reject(new Error('refused'))));
    assert.equal(failing.inFlight, 0);
  });
});
