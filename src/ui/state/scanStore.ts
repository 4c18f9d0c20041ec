import { create } from 'zustand';
import type { ScanWarning } from '../../core/errors';
import type { ScanInfo } from '../../core/nifti/readNifti';
import type { ScanProblem } from '../../core/openScan';
import { activeViewer } from '../../viewer/activeViewer';
import { loadFiles } from '../loadFiles';
import { useAnalysisStore } from './analysisStore';

export const SAMPLE_URL = `${import.meta.env.BASE_URL}samples/sample-spine.nii.gz`;

type Status = 'empty' | 'loading' | 'ready' | 'error';

interface ScanState {
  status: Status;
  /** What is being opened or is shown ("sample-spine.nii.gz", a DICOM folder name). */
  name: string | null;
  info: ScanInfo | null;
  warnings: ScanWarning[];
  problem: ScanProblem | null;
  actions: {
    openFiles: (files: readonly File[]) => Promise<void>;
    openSample: () => Promise<void>;
  };
}

/** Each open gets a number; only the latest one may change what is shown. */
let latest = 0;

export const useScanStore = create<ScanState>()((set) => {
  const openFiles = async (files: readonly File[]): Promise<void> => {
    const id = ++latest;
    useAnalysisStore.getState().actions.reset(); // a new scan: the old run stops, its labels go
    set({ status: 'loading', name: files.length === 1 ? files[0]!.name : `${files.length} files`, problem: null, warnings: [] });
    const out = await loadFiles(files).catch((e: unknown) => ({ ok: false as const, problem: { code: 'internal', message: `Unexpected error: ${String((e as Error)?.message ?? e)}` } }));
    if (id !== latest) return;
    if (!out.ok) {
      set({ status: 'error', problem: out.problem, info: null });
      (await activeViewer()).clear();
      return;
    }
    await (await activeViewer()).show(out.display, out.name);
    if (id !== latest) return;
    set({ status: 'ready', name: out.name, info: out.info, warnings: out.warnings, problem: null });
    void useAnalysisStore.getState().actions.run(); // analysis starts by itself
  };
  const openSample = async (): Promise<void> => {
    const before = latest;
    let blob: Blob;
    try {
      const res = await fetch(SAMPLE_URL);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      blob = await res.blob();
    } catch (e) {
      if (before !== latest) return; // something else was opened meanwhile
      set({ status: 'error', problem: { code: 'sample-missing', message: `The built-in sample scan could not be loaded (${(e as Error).message}).`, tip: 'Open a scan of your own, or reload the page.' } });
      return;
    }
    if (before === latest) await openFiles([new File([blob], 'sample-spine.nii.gz')]);
  };
  return { status: 'empty', name: null, info: null, warnings: [], problem: null, actions: { openFiles, openSample } };
});

export const useScanActions = (): ScanState['actions'] => useScanStore((s) => s.actions);
