import { transfer } from 'comlink';
import type { ScanWarning } from '../core/errors';
import type { ScanInfo } from '../core/nifti/readNifti';
import type { ScanProblem } from '../core/openScan';
import { SNIFF_BYTES, sniffFormat } from '../core/scanFormat';
import { convertDicom } from '../runtime/dicom';
import { getPipeline, restartPipeline } from '../runtime/pipelineClient';

export type LoadOutcome =
  | { ok: true; name: string; info: ScanInfo; warnings: ScanWarning[]; display: ArrayBuffer }
  | { ok: false; problem: ScanProblem };

const NOTHING: ScanProblem = {
  code: 'not-a-scan',
  message: 'None of the dropped files is a NIfTI image or part of a DICOM series.',
  tip: 'Drop a CT as .nii or .nii.gz, or the DICOM files (or folder) of one series.',
};

/**
 * Turns dropped or picked files into a validated scan in the pipeline worker: a NIfTI file is read
 * directly, DICOM files are converted with dcm2niix first. Anything else is a clear problem.
 */
export async function loadFiles(files: readonly File[]): Promise<LoadOutcome> {
  const kinds = await Promise.all(files.map(async (f) => sniffFormat(new Uint8Array(await f.slice(0, SNIFF_BYTES).arrayBuffer()))));
  const nifti = files.filter((_, i) => kinds[i] === 'nifti');
  const dicom = files.filter((_, i) => kinds[i] === 'dicom');
  const warnings: ScanWarning[] = [];
  let file: File;
  let name: string;
  if (nifti.length > 0) {
    file = nifti[0]!;
    name = file.name;
  } else if (dicom.length > 0) {
    const conv = await convertDicom(dicom);
    if (!conv.ok) return conv;
    if (conv.seriesCount > 1) warnings.push({ code: 'dicom-multiple-series', message: `The files held ${conv.seriesCount} series; the largest was opened.` });
    file = conv.nifti;
    name = seriesName(dicom);
  } else {
    return { ok: false, problem: NOTHING };
  }
  const pipeline = getPipeline();
  const bytes = await file.arrayBuffer();
  let opened;
  try {
    opened = await pipeline.guard(pipeline.remote.open(transfer(bytes, [bytes])));
  } catch (e) {
    restartPipeline(); // a fresh worker for the next file
    return { ok: false, problem: { code: 'internal', message: `The scan could not be read: ${(e as Error).message}`, tip: 'Close other tabs to free memory, or try a smaller scan.' } };
  }
  if (!opened.ok) return opened;
  return { ok: true, name, info: opened.info, warnings: [...warnings, ...opened.warnings], display: opened.display };
}

/** A display name for a DICOM series: its folder, else the first file. */
function seriesName(files: readonly File[]): string {
  const path = files[0]!.webkitRelativePath;
  return path && path.includes('/') ? path.split('/').slice(-2, -1)[0]! : `${files[0]!.name} (+${files.length - 1} DICOM files)`;
}
