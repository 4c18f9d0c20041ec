import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { wrapWorker } from './wrapWorker';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Enough of a Worker for wrapWorker: events, postMessage (comlink), terminate. */
class FakeWorker extends EventTarget {
  postMessage(): void {}
  terminate(): void {}
  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
}

const wrap = (w: FakeWorker) => wrapWorker<unknown>(w as unknown as Worker);
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('wrapWorker', () => {
  it('passes a call’s answer through', async () => {
    expect(await wrap(new FakeWorker()).guard(Promise.resolve(42))).toBe(42);
  });

  it('rejects a waiting call, and every later one, when the worker dies', async () => {
    const w = new FakeWorker();
    const p = wrap(w);
    const pending = p.guard(new Promise(() => undefined)); // a dead worker never answers
    w.crash('out of memory');
    await expect(pending).rejects.toThrow('out of memory');
    await expect(p.guard(Promise.resolve(1))).rejects.toThrow('out of memory');
  });

  it('keeps nothing of a settled call: each scan and analysis would otherwise stay in memory', async () => {
    const p = wrap(new FakeWorker());
    const refs: WeakRef<object>[] = [];
    const run = async () => {
      const answer = { display: new Uint8Array(1 << 20) };
      refs.push(new WeakRef(answer));
      await p.guard(Promise.resolve(answer));
    };
    for (let i = 0; i < 3; i++) await run();
    await tick(); // WeakRefs hold their target until the job that made them ends
    gc();
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true, true]);
  });
});
