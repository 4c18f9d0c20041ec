import { Dcm2niix } from '@niivue/dcm2niix';
import type { ScanProblem } from '../core/openScan';

export type DicomResult =
  | { ok: true; nifti: File; seriesCount: number }
  | { ok: false; problem: ScanProblem };

/**
 * Converts a DICOM series (files, possibly from a folder) to NIfTI with dcm2niix (wasm, in its own
 * worker). When the files hold several series, the one with the most data (the CT volume, not a
 * localiser) is used. A fresh converter per call: its wasm file system is single-use.
 */
export async function convertDicom(files: readonly File[]): Promise<DicomResult> {
  const converter = new Dcm2niix();
  try {
    await converter.init();
    const out: File[] = await converter.input(files as File[]).b('n').z('n').i('y').run();
    const volumes = out.filter((f) => /\.nii(\.gz)?$/i.test(f.name));
    if (volumes.length === 0) {
      return { ok: false, problem: { code: 'dicom-conversion', message: 'No image volume could be built from these DICOM files.', tip: 'Drop all files of one CT series (or its folder); single localiser images or reports cannot be analysed.' } };
    }
    volumes.sort((a, b) => b.size - a.size);
    return { ok: true, nifti: volumes[0]!, seriesCount: volumes.length };
  } catch (e) {
    return { ok: false, problem: { code: 'dicom-conversion', message: `The DICOM files could not be converted: ${(e as Error).message}.`, tip: 'Check that the files are one complete CT series; compressed transfer syntaxes may need a re-export from PACS.' } };
  } finally {
    converter.worker?.terminate();
  }
}
