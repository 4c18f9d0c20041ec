import { type Remote, releaseProxy, wrap } from 'comlink';

export interface WrappedWorker<T> {
  remote: Remote<T>;
  /**
   * The call's answer, or a rejection when the worker dies first (an uncaught error, out of
   * memory): a dead worker never answers, and the call would otherwise hang.
   */
  guard: <P extends PromiseLike<unknown>>(call: P) => Promise<Awaited<P>>;
  /** Releases the proxy and terminates the worker (frees its memory at once). */
  dispose: () => void;
}

/**
 * Wraps a comlink-exposed worker; the only place workers are created and torn down.
 * Why not `Promise.race([call, failed])` with one long-lived `failed` promise: each race leaves a
 * reaction on `failed` that holds the race's result until the worker dies, so every scan opened
 * and every analysis stayed in memory (≈ 15 MB per run of the sample). Here a call's listener
 * is dropped when the call settles.
 */
export function wrapWorker<T>(worker: Worker): WrappedWorker<T> {
  const remote = wrap<T>(worker);
  let death: Error | null = null;
  const waiting = new Set<(e: Error) => void>();
  const die = (e: Error): void => {
    death ??= e;
    for (const reject of waiting) reject(death);
    waiting.clear();
  };
  worker.addEventListener('error', (e) => die(new Error(e.message || 'The analysis worker stopped unexpectedly (possibly out of memory).')));
  worker.addEventListener('messageerror', () => die(new Error('The analysis worker sent a message that could not be read.')));
  const guard = <P extends PromiseLike<unknown>>(call: P): Promise<Awaited<P>> =>
    new Promise<Awaited<P>>((resolve, reject) => {
      if (death) return reject(death);
      waiting.add(reject);
      void Promise.resolve(call as PromiseLike<Awaited<P>>).then(resolve, reject).finally(() => waiting.delete(reject));
    });
  return {
    remote,
    guard,
    dispose: () => {
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}
