import { type Remote, releaseProxy, wrap } from 'comlink';

export interface WrappedWorker<T> {
  remote: Remote<T>;
  /**
   * Rejects when the worker dies (an uncaught error, out of memory): race calls against it, since
   * a dead worker never answers and the call would otherwise hang.
   */
  failed: Promise<never>;
  /** Releases the proxy and terminates the worker (frees its memory at once). */
  dispose: () => void;
}

/** Wraps a comlink-exposed worker; the only place workers are created and torn down. */
export function wrapWorker<T>(worker: Worker): WrappedWorker<T> {
  const remote = wrap<T>(worker);
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (e) => reject(new Error(e.message || 'The analysis worker stopped unexpectedly (possibly out of memory).')));
    worker.addEventListener('messageerror', () => reject(new Error('The analysis worker sent a message that could not be read.')));
  });
  failed.catch(() => undefined); // observed by whoever races against it
  return {
    remote,
    failed,
    dispose: () => {
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}
