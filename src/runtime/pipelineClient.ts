import type { PipelineService } from '../../workers/pipeline.worker';
import { type WrappedWorker, wrapWorker } from './wrapWorker';

let pipeline: WrappedWorker<PipelineService> | null = null;

/** The pipeline worker, started on first use. */
export function getPipeline(): WrappedWorker<PipelineService> {
  pipeline ??= wrapWorker<PipelineService>(new Worker(new URL('../../workers/pipeline.worker.ts', import.meta.url), { type: 'module', name: 'pipeline' }));
  return pipeline;
}

/** Terminates the worker (e.g. to abandon a run that is no longer wanted); the next use starts a fresh one. */
export function restartPipeline(): void {
  pipeline?.dispose();
  pipeline = null;
}
