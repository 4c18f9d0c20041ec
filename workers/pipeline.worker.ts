import { expose, transfer } from 'comlink';
import { ScanError, type ScanWarning, isScanError } from '../src/core/errors';
import { displayStep, overlayBytes, subsample } from '../src/core/display';
import { labelMap } from '../src/core/exports';
import { ModelError } from '../src/core/manifest';
import type { ScanInfo } from '../src/core/nifti/readNifti';
import { writeNifti } from '../src/core/nifti/writeNifti';
import { type ScanProblem, openScan } from '../src/core/openScan';
import { type FoundVertebra, type Progress, analyse } from '../src/core/pipeline';
import type { Volume } from '../src/core/volume';
import type { FusionParams } from '../src/core/fusion';
import { type BackendOptions, browserModels } from '../src/runtime/browserModels';
import type { Backend, Models } from '../src/runtime/sessions';

/** The scan the worker holds for the pipeline; the main thread gets a display copy only. */
let current: Volume | null = null;
let models: Promise<Models> | null = null;
/** The running analysis' cancel flag, and its end: runs never overlap (ORT sessions are shared). */
let running: { aborted: boolean } | null = null;
let lastRun: Promise<void> = Promise.resolve();
/** Voxel step of the viewer's copies of the open scan (1, 1, 1 unless it is big). */
let step: [number, number, number] = [1, 1, 1];
/** The last analysis' instance map (scan grid and header geometry), for exports. */
let lastInstances: Volume<Uint8Array | Uint16Array> | null = null;

export type OpenedScan =
  | { ok: true; info: ScanInfo; warnings: ScanWarning[]; /** Uncompressed NIfTI for the viewer. */ display: ArrayBuffer }
  | { ok: false; problem: ScanProblem };

export interface FusionSetup {
  /** φ_d as [offset, K×K row-major] pairs. */
  phi: [number, number[]][];
  defaults: FusionParams;
}

export type AnalysisOutcome =
  | {
      ok: true;
      vertebrae: FoundVertebra[];
      /** Instance ids as an uncompressed NIfTI on the viewer's grid (the scan's, or its reduced copy), transferred. */
      overlay: ArrayBuffer;
      candidates: number;
      timings: Record<string, number>;
      work: Record<string, number>;
      backend: Backend;
      fusion: FusionSetup;
    }
  | { ok: false; problem: ScanProblem };

function problemOf(e: unknown): ScanProblem {
  if (isScanError(e)) return { code: e.code, message: e.message, ...(e.tip ? { tip: e.tip } : {}) };
  if (e instanceof ModelError || (e as Error)?.name === 'ModelError') return { code: 'model', message: (e as Error).message };
  if (e instanceof RangeError) return { code: 'memory', message: 'The browser ran out of memory for this scan.', tip: 'Close other tabs, or crop the scan to the spine.' };
  return { code: 'internal', message: `The analysis failed: ${String((e as Error)?.message ?? e)}`, tip: 'Try again; if it persists, report the scan.' };
}

/**
 * A WebGPU failure during a run (device lost: driver reset, GPU removed, another tab took it)
 * moves every model to WASM for this run and the next ones, with the reason shown as the
 * backend note; the run starts again there.
 */
async function onWasmAfterGpuFailure(gpu: Models, e: unknown, opts: BackendOptions): Promise<Models> {
  await gpu.release().catch(() => undefined); // the device may be gone already
  const why = `WebGPU stopped during the analysis (${String((e as Error)?.message ?? e).slice(0, 160)}); continued on WASM`;
  models = browserModels({ ...opts, forceWasm: true }).then((m) => {
    m.backend.reason = why;
    return m;
  });
  return models;
}

export const service = {
  /** Reads and validates a NIfTI file; returns its description and a display copy (transferred). */
  open(bytes: ArrayBuffer): OpenedScan {
    current = null;
    lastInstances = null;
    const r = openScan(new Uint8Array(bytes));
    if (!r.ok) return r;
    current = r.result.volume;
    // The viewer gets exactly the geometry the pipeline uses: our affine, written as the header;
    // a big scan at a reduced resolution (src/core/display.ts).
    step = displayStep(current.dims, current.affine);
    const display = writeNifti(subsample(current, step), { gzip: false }).buffer as ArrayBuffer;
    const warnings = [...r.warnings];
    if (step.some((s) => s > 1)) {
      const axes = step.map((s, a) => (s > 1 ? `every ${s === 2 ? '2nd' : s === 3 ? '3rd' : `${s}th`} voxel along ${'xyz'[a]}` : '')).filter(Boolean).join(', ');
      warnings.push({ code: 'display-reduced', message: `Shown at reduced resolution (${axes}) so that the browser can hold it; the analysis and the exports use the full scan.` });
    }
    return transfer({ ok: true as const, info: r.info, warnings, display }, [display]);
  },

  /** Loads the models (once) and reports the backend; errors as data. Options are for tests and support. */
  async prepare(opts: BackendOptions = {}): Promise<{ ok: true; backend: Backend } | { ok: false; problem: ScanProblem }> {
    try {
      models ??= browserModels(opts);
      return { ok: true, backend: (await models).backend };
    } catch (e) {
      models = null; // a later attempt may succeed (e.g. back online)
      return { ok: false, problem: problemOf(e) };
    }
  },

  /** Runs the three stages on the open scan. Progress via callback; `cancel()` stops it between batches. */
  async analyse(onProgress: (p: Progress) => void, seed = 0, backendOpts: BackendOptions = {}): Promise<AnalysisOutcome> {
    if (!current) return { ok: false, problem: { code: 'no-scan', message: 'No scan is open.' } };
    const flag = { aborted: false };
    if (running) running.aborted = true; // a newer run replaces it
    running = flag;
    const previous = lastRun;
    let finished!: () => void;
    lastRun = new Promise<void>((r) => (finished = r));
    try {
      await previous; // the cancelled run stops at its next batch
      if (flag.aborted) throw new ScanError('cancelled', 'The analysis was cancelled.');
      const ready = await service.prepare(backendOpts);
      if (!ready.ok) return ready;
      let m = await models!;
      lastInstances = null;
      const run = (mm: Models): ReturnType<typeof analyse> => analyse(current!, mm.manifest, mm.runner, { onProgress, signal: flag, seed, now: () => performance.now() });
      let r;
      try {
        r = await run(m);
      } catch (e) {
        if (m.backend.name !== 'webgpu' || isScanError(e)) throw e;
        m = await onWasmAfterGpuFailure(m, e, backendOpts);
        r = await run(m);
      }
      if (flag.aborted) throw new ScanError('cancelled', 'The analysis was cancelled.');
      lastInstances = r.instances;
      const overlay = writeNifti(overlayBytes(subsample(r.instances, step)), { gzip: false }).buffer as ArrayBuffer;
      return transfer(
        {
          ok: true as const,
          vertebrae: r.vertebrae,
          overlay,
          candidates: r.candidates.length,
          timings: r.timings,
          work: { ...r.work },
          backend: m.backend,
          fusion: { phi: [...m.phi.entries()].map(([d, a]) => [d, Array.from(a)] as [number, number[]]), defaults: m.manifest.fusion.defaults },
        },
        [overlay],
      );
    } catch (e) {
      return { ok: false, problem: problemOf(e) };
    } finally {
      if (running === flag) running = null;
      finished();
    }
  },

  /** The label map (VerSe ids for instance ids) as .nii.gz on the scan's grid, keeping its header geometry. */
  exportLabelMap(labels: { id: number; label: number }[]): ArrayBuffer | null {
    if (!lastInstances) return null;
    const bytes = writeNifti(labelMap(lastInstances, labels), { description: 'SpineCLUE Web vertebra labels (VerSe ids)' });
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return transfer(buf, [buf]);
  },

  /** Stops the running analysis at its next batch boundary. */
  cancel(): void {
    if (running) running.aborted = true;
  },

  /** Frees the held scan. */
  close(): void {
    current = null;
    lastInstances = null;
  },
};

export type PipelineService = typeof service;
export type { Progress };
expose(service);
