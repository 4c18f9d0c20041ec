import { proxy } from 'comlink';
import { create } from 'zustand';
import { type FusionParams, PAPER_FUSION, type PhiSet } from '../../core/fusion';
import { type Corrections, anchorAt, clearCorrection, relabel as relabelOne, shiftAll } from '../../core/corrections';
import { type LabelledVertebra, SET_ASIDE, labelVertebrae } from '../../core/labelling';
import { labelColour } from '../../core/labels';
import type { ScanProblem } from '../../core/openScan';
import type { FoundVertebra, Progress } from '../../core/pipeline';
import { getPipeline, restartPipeline } from '../../runtime/pipelineClient';
import type { BackendOptions } from '../../runtime/browserModels';
import type { Backend } from '../../runtime/sessions';
import type { LabelTable } from '../../viewer/ScanViewer';
import { activeViewer } from '../../viewer/activeViewer';

type Status = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

interface AnalysisState {
  status: Status;
  progress: Progress | null;
  startedAt: number | null;
  backend: Backend | null;
  problem: ScanProblem | null;
  found: FoundVertebra[];
  phi: PhiSet | null;
  fusion: FusionParams;
  defaults: FusionParams;
  /** Instance id → VerSe label set by the user; with undo/redo stacks. */
  corrections: Corrections;
  past: Corrections[];
  future: Corrections[];
  labelled: LabelledVertebra[];
  timings: Record<string, number> | null;
  work: Record<string, number> | null;
  /** Fusion recompute time of the last change (ms), for the benchmark and the status line. */
  fusionMs: number;
  actions: {
    run: () => Promise<void>;
    cancel: () => void;
    reset: () => void;
    setFusion: (p: Partial<FusionParams>) => void;
    resetFusion: () => void;
    relabel: (id: number, label: number) => void;
    clearCorrection: (id: number) => void;
    shift: (delta: number) => void;
    anchor: (id: number, label: number) => void;
    undo: () => void;
    redo: () => void;
  };
}

/** ?wasm forces WASM; ?gpufail makes WebGPU session creation fail, ?gpulost loses the device (tests of the fallbacks). */
function backendOptions(): BackendOptions {
  const q = new URLSearchParams(location.search);
  return { ...(q.has('wasm') ? { forceWasm: true } : {}), ...(q.has('gpufail') ? { failWebGpu: true } : {}), ...(q.has('gpulost') ? { loseWebGpu: true } : {}) };
}

/** Each run gets a number; only the latest may write results. */
let latestRun = 0;
/** The run the user cancelled (possibly before the worker started it, e.g. while models load). */
let cancelledRun = -1;

/** The overlay colour table: the colour and name of each instance's current label. */
export function labelTable(labelled: readonly LabelledVertebra[]): LabelTable {
  const max = labelled.reduce((m, v) => Math.max(m, v.id), 0);
  const entries: LabelTable['entries'] = Array.from({ length: max + 1 }, () => ({ rgb: [0, 0, 0], name: '', visible: false }));
  for (const v of labelled) entries[v.id] = { rgb: labelColour(v.label), name: v.name, visible: v.label !== SET_ASIDE };
  return { entries };
}

export const useAnalysisStore = create<AnalysisState>()((set, get) => {
  const relabel = (patch: Partial<AnalysisState>): void => {
    const s = { ...get(), ...patch };
    if (!s.phi) return set(patch);
    const t0 = performance.now();
    performance.mark('relabel-start');
    const labelled = labelVertebrae(s.found, s.phi, s.fusion, s.corrections);
    const fusionMs = performance.now() - t0;
    set({ ...patch, labelled, fusionMs });
    performance.mark('relabel-rendered'); // zustand re-renders subscribers synchronously
    void activeViewer().then((v) => {
      performance.mark('relabel-recolour');
      v.setLabelTable(labelTable(labelled));
      performance.mark('relabel-recoloured');
      // Slider-to-repaint latency (npm run bench reads it and its parts): until the frame after the recolour.
      requestAnimationFrame(() => performance.measure('relabel-repaint', 'relabel-start'));
    });
  };

  const run = async (): Promise<void> => {
    const id = ++latestRun;
    set({ status: 'running', progress: null, startedAt: performance.now(), problem: null, found: [], labelled: [], corrections: new Map(), past: [], future: [], timings: null });
    (await activeViewer()).clearLabels();
    const pipeline = getPipeline();
    let out;
    try {
      const onProgress = proxy((p: Progress) => {
        if (id === latestRun) set({ progress: p });
      });
      const ready = await pipeline.guard(pipeline.remote.prepare(backendOptions()));
      if (id !== latestRun) return;
      if (ready.ok) set({ backend: ready.backend });
      if (cancelledRun === id) {
        set({ status: 'cancelled' });
        return;
      }
      out = await pipeline.guard(pipeline.remote.analyse(onProgress, 0, backendOptions()));
    } catch (e) {
      if (id !== latestRun) return;
      restartPipeline();
      set({ status: 'error', problem: { code: 'internal', message: `The analysis stopped: ${(e as Error).message}`, tip: 'Open the scan again; close other tabs if memory is short.' } });
      return;
    }
    if (id !== latestRun) return;
    if (!out.ok) {
      set({ status: out.problem.code === 'cancelled' ? 'cancelled' : 'error', problem: out.problem.code === 'cancelled' ? null : out.problem });
      return;
    }
    const phi: PhiSet = new Map(out.fusion.phi.map(([d, a]) => [d, Float64Array.from(a)]));
    const fusion = get().fusion === get().defaults ? out.fusion.defaults : get().fusion; // keep what the user set
    const labelled = labelVertebrae(out.vertebrae, phi, fusion, new Map());
    set({
      status: 'done',
      backend: out.backend,
      found: out.vertebrae,
      phi,
      fusion,
      defaults: out.fusion.defaults,
      labelled,
      timings: out.timings,
      work: out.work,
    });
    await (await activeViewer()).showLabels(out.overlay, labelTable(labelled));
    performance.mark('labels-shown'); // npm run bench: drop-to-labels time of a big scan
  };

  /** A new corrections value, remembered for undo (a new edit drops the redo stack). */
  const correct = (next: Corrections): void => {
    const s = get();
    if (s.status !== 'done') return;
    relabel({ corrections: next, past: [...s.past, s.corrections], future: [] });
  };

  return {
    status: 'idle',
    progress: null,
    startedAt: null,
    backend: null,
    problem: null,
    found: [],
    phi: null,
    fusion: PAPER_FUSION,
    defaults: PAPER_FUSION,
    corrections: new Map(),
    past: [],
    future: [],
    labelled: [],
    timings: null,
    work: null,
    fusionMs: 0,
    actions: {
      run,
      cancel: () => {
        if (get().status !== 'running') return;
        cancelledRun = latestRun;
        void getPipeline().remote.cancel();
      },
      reset: () => {
        latestRun++;
        if (get().status === 'running') void getPipeline().remote.cancel();
        set({ status: 'idle', progress: null, found: [], labelled: [], problem: null, timings: null });
      },
      setFusion: (p) => relabel({ fusion: { ...get().fusion, ...p } }),
      resetFusion: () => relabel({ fusion: get().defaults }),
      relabel: (id, label) => correct(relabelOne(get().corrections, id, label)),
      clearCorrection: (id) => correct(clearCorrection(get().corrections, id)),
      shift: (delta) => correct(shiftAll(get().labelled, delta)),
      anchor: (id, label) => correct(anchorAt(get().labelled, id, label)),
      undo: () => {
        const { past, corrections, future } = get();
        if (past.length) relabel({ corrections: past[past.length - 1]!, past: past.slice(0, -1), future: [corrections, ...future] });
      },
      redo: () => {
        const { past, corrections, future } = get();
        if (future.length) relabel({ corrections: future[0]!, past: [...past, corrections], future: future.slice(1) });
      },
    },
  };
});

export const useAnalysisActions = (): AnalysisState['actions'] => useAnalysisStore((s) => s.actions);
