/** The node side of the command-line tools: scans from files or DICOM folders, models from public/models. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import type { ScanWarning } from '../../src/core/errors';
import type { ScanProblem } from '../../src/core/openScan';
import { openScan } from '../../src/core/openScan';
import type { Volume } from '../../src/core/volume';
import { type Models, loadModels } from '../../src/runtime/sessions';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const MODELS_DIR = join(ROOT, 'public', 'models');

export type LoadedScan = { ok: true; volume: Volume; warnings: ScanWarning[]; name: string; isFolder: boolean } | { ok: false; problem: ScanProblem };

/** A NIfTI file, or a DICOM folder converted by Debian's dcm2niix (largest series). */
export async function loadScanFile(path: string): Promise<LoadedScan> {
  if (!existsSync(path)) return { ok: false, problem: { code: 'not-found', message: 'No such file or folder.' } };
  if (statSync(path).isDirectory()) return loadDicomFolder(path);
  const r = openScan(new Uint8Array(readFileSync(path)));
  return r.ok ? { ok: true, volume: r.result.volume, warnings: r.warnings, name: basename(path), isFolder: false } : r;
}

function loadDicomFolder(dir: string): LoadedScan {
  if (!existsSync('/usr/bin/dcm2niix')) return { ok: false, problem: { code: 'dicom-conversion', message: 'DICOM folders need dcm2niix.', tip: 'apt-get install -y dcm2niix (npm run identify installs it when run as root).' } };
  const out = mkdtempSync(join(tmpdir(), 'spineclue-dcm-'));
  try {
    execFileSync('/usr/bin/dcm2niix', ['-b', 'n', '-z', 'n', '-i', 'y', '-f', 'series_%s', '-o', out, dir], { stdio: 'pipe' });
    const files = readdirSync(out).filter((f) => f.endsWith('.nii')).map((f) => join(out, f));
    if (!files.length) return { ok: false, problem: { code: 'dicom-conversion', message: 'No image series could be made from this folder.', tip: 'Give a folder holding one CT series.' } };
    const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const r = openScan(new Uint8Array(readFileSync(largest)));
    const warnings: ScanWarning[] = files.length > 1 ? [{ code: 'dicom-multiple-series', message: `${files.length} series found; the largest was used.` }] : [];
    return r.ok ? { ok: true, volume: r.result.volume, warnings: [...warnings, ...r.warnings], name: `${basename(resolve(dir))}.nii.gz`, isFolder: true } : r;
  } catch (e) {
    return { ok: false, problem: { code: 'dicom-conversion', message: `dcm2niix could not convert this folder: ${(e as Error).message.split('\n')[0]}` } };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The shipped models on onnxruntime-web's WASM backend (the browser's CPU path) in node. */
export function nodeModels(threads: number, dir: string = MODELS_DIR): Promise<Models> {
  return loadModels(ort, { read: async (f) => new Uint8Array(readFileSync(join(dir, f))), threads, webgpu: false });
}
