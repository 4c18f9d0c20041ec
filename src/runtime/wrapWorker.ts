import { type Remote, releaseProxy, wrap } from 'comlink';

export interface WrappedWorker<T> {
  remote: Remote<T>;
  /** Releases the proxy and terminates the worker (frees its memory at once). */
  dispose: () => void;
}

/** Wraps a comlink-exposed worker; the only place workers are created and torn down. */
export function wrapWorker<T>(worker: Worker): WrappedWorker<T> {
  const remote = wrap<T>(worker);
  return {
    remote,
    dispose: () => {
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}
