/** VerSe-style case folders: CT, vertebra mask and/or centroid JSON per case. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Centroid, readCentroids } from '../../src/core/centroids';
import { centroidsFromMask } from '../../src/core/evaluate';
import { readNifti } from '../../src/core/nifti/readNifti';
import type { Volume } from '../../src/core/volume';

export interface EvalCase {
  id: string;
  ct: string;
  mask: string | null;
  ctd: string | null;
  /** TotalSegmentator v2 numbering (50 C1 … 27 L5) in the mask. */
  totalseg: boolean;
}

/**
 * Every `<id>_ct.nii[.gz]` of a folder with its `<id>_seg-vert_msk` mask (also the TPTBox form
 * `<sub>_seg-vert_<label>_msk` for `<sub>_<label>_ct`) and `<id>_ctd.json`; and TotalSegmentator's
 * example layout (`example_ct` + `example_seg_fast_force_split`, and the DICOM folder `example_ct_dicom`
 * + `example_seg_dicom`, v2 numbering). A case's `ct` is a NIfTI file or a DICOM folder.
 */
export function findCases(dir: string): EvalCase[] {
  const files = readdirSync(dir);
  const out: EvalCase[] = [];
  for (const f of files.sort()) {
    const m = /^(.*)_ct\.nii(\.gz)?$/.exec(f);
    if (!m) continue;
    const id = m[1]!;
    const parts = id.split('_');
    const candidates = [`${id}_seg-vert_msk`, parts.length > 1 ? `${parts[0]}_seg-vert_${parts.slice(1).join('_')}_msk` : ''].filter(Boolean);
    const mask = files.find((x) => candidates.some((c) => x === `${c}.nii.gz` || x === `${c}.nii`)) ?? null;
    const ctd = files.find((x) => x === `${id}_ctd.json`) ?? null;
    if (mask || ctd) out.push({ id, ct: join(dir, f), mask: mask && join(dir, mask), ctd: ctd && join(dir, ctd), totalseg: false });
    else if (id === 'example' && files.includes('example_seg_fast_force_split.nii.gz')) {
      out.push({ id: 'totalseg-example', ct: join(dir, f), mask: join(dir, 'example_seg_fast_force_split.nii.gz'), ctd: null, totalseg: true });
    }
  }
  // Its 20-slice DICOM series (a folder; 40 mm, so the eval scores it apart) with its labels.
  if (files.includes('example_ct_dicom') && files.includes('example_seg_dicom.nii.gz')) {
    out.push({ id: 'totalseg-dicom', ct: join(dir, 'example_ct_dicom'), mask: join(dir, 'example_seg_dicom.nii.gz'), ctd: null, totalseg: true });
  }
  return out;
}

/**
 * The case's ground truth: mask (VerSe ids) and centroids (from the JSON, else from the mask); and
 * apart, the mask's labels that the scan's edge cuts with none of their body inside (no centre to
 * find; src/core/fragments.ts). A centroid file's annotations are taken as they are.
 */
export function truthOf(c: EvalCase): { mask: Volume<Uint8Array | Uint16Array> | null; centroids: Centroid[]; fragments: Centroid[] } {
  let mask: Volume<Uint8Array | Uint16Array> | null = null;
  if (c.mask && existsSync(c.mask)) {
    mask = readNifti(new Uint8Array(readFileSync(c.mask)), { kind: 'label' }).volume as Volume<Uint8Array | Uint16Array>;
    const src = mask.data;
    const data = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      data[i] = c.totalseg ? (v >= 27 && v <= 50 ? 51 - v : 0) : v <= 25 || v === 28 ? v : 0; // 26 sacrum (and others) are not vertebrae
    }
    mask = { ...mask, data };
  }
  const vertebra = (x: Centroid): boolean => x.label >= 1 && x.label <= 28;
  if (c.ctd) return { mask, centroids: readCentroids(JSON.parse(readFileSync(c.ctd, 'utf8')), mask ?? ctGrid(c.ct), 'voxel').filter(vertebra), fragments: [] };
  const { centroids, fragments } = mask ? centroidsFromMask(mask) : { centroids: [], fragments: [] };
  return { mask, centroids: centroids.filter(vertebra), fragments: fragments.filter(vertebra) };
}

function ctGrid(path: string): Volume {
  return readNifti(new Uint8Array(readFileSync(path))).volume;
}
