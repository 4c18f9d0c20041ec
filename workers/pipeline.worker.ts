import { expose, transfer } from 'comlink';
import type { ScanWarning } from '../src/core/errors';
import type { ScanInfo } from '../src/core/nifti/readNifti';
import { writeNifti } from '../src/core/nifti/writeNifti';
import { type ScanProblem, openScan } from '../src/core/openScan';
import type { Volume } from '../src/core/volume';

/** The scan the worker holds for the pipeline; the main thread gets a display copy only. */
let current: Volume | null = null;

export type OpenedScan =
  | { ok: true; info: ScanInfo; warnings: ScanWarning[]; /** Uncompressed NIfTI for the viewer. */ display: ArrayBuffer }
  | { ok: false; problem: ScanProblem };

export const service = {
  /** Reads and validates a NIfTI file; returns its description and a display copy (transferred). */
  open(bytes: ArrayBuffer): OpenedScan {
    current = null;
    const r = openScan(new Uint8Array(bytes));
    if (!r.ok) return r;
    current = r.result.volume;
    // The viewer gets exactly the geometry the pipeline uses: our affine, written as the header.
    const display = writeNifti(current, { gzip: false }).buffer as ArrayBuffer;
    return transfer({ ok: true as const, info: r.info, warnings: r.warnings, display }, [display]);
  },
  /** Frees the held scan. */
  close(): void {
    current = null;
  },
};

export type PipelineService = typeof service;
expose(service);
