import { coverageWarning } from './coverage';
import { type ScanWarning, isScanError } from './errors';
import { type ReadResult, type ScanInfo, readNifti } from './nifti/readNifti';

/** An expected failure as plain data, safe to send across a worker boundary and show in the UI. */
export interface ScanProblem {
  code: string;
  message: string;
  tip?: string;
}

export type OpenResult =
  | { ok: true; info: ScanInfo; warnings: ScanWarning[]; result: ReadResult }
  | { ok: false; problem: ScanProblem };

/** Reads a CT from NIfTI bytes; every failure comes back as data, never as a throw. */
export function openScan(bytes: Uint8Array): OpenResult {
  try {
    const result = readNifti(bytes, { kind: 'ct' });
    const short = coverageWarning(result.info.dims, result.info.affine);
    return { ok: true, info: result.info, warnings: short ? [...result.warnings, short] : result.warnings, result };
  } catch (e) {
    if (isScanError(e)) return { ok: false, problem: { code: e.code, message: e.message, tip: e.tip } };
    const why = e instanceof RangeError ? 'The browser could not allocate memory for this scan.' : `Unexpected error while reading the scan: ${String((e as Error)?.message ?? e)}`;
    return { ok: false, problem: { code: 'internal', message: why, tip: 'Close other tabs or try a smaller scan; if it persists, report the file.' } };
  }
}
