import type { Dims, NiftiGeometry } from '../volume';

/**
 * The qform affine from the quaternion fields, exactly as nibabel's `Nifti1Header.get_qform`:
 * rotation from (b, c, d) with a = sqrt(1 − b² − c² − d²), voxel sizes from pixdim, the third
 * axis flipped when qfac (pixdim[0]) is negative.
 */
export function qformAffine(g: NiftiGeometry): number[] {
  const [b, c, d] = g.quatern;
  const w2 = 1 - (b * b + c * c + d * d);
  // nibabel treats tiny negative w² as rounding error and sets a = 0.
  const a = w2 < 0 ? 0 : Math.sqrt(w2);
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const qfac = g.pixdim[0] < 0 ? -1 : 1;
  const zoom = [g.pixdim[1], g.pixdim[2], g.pixdim[3] * qfac];
  const out: number[] = [];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) out.push(r[row]![col]! * zoom[col]!);
    out.push(g.qoffset[row]!);
  }
  return [...out, 0, 0, 0, 1];
}

/** nibabel's fallback when neither form is set: voxel sizes only, x flipped, origin at the centre. */
function baseAffine(g: NiftiGeometry, dims: Dims): number[] {
  const [, zx, zy, zz] = g.pixdim;
  return [
    -zx, 0, 0, ((dims[0] - 1) / 2) * zx,
    0, zy, 0, -((dims[1] - 1) / 2) * zy,
    0, 0, zz, -((dims[2] - 1) / 2) * zz,
    0, 0, 0, 1,
  ];
}

/**
 * The voxel → world (RAS mm) affine the way nibabel's `get_best_affine` chooses it (and NiiVue
 * agrees for every file that sets sform_code ≥ qform_code): sform when sform_code > 0, else qform
 * when qform_code > 0, else the base affine. `fromHeader` says which one was used.
 */
export function bestAffine(g: NiftiGeometry, dims: Dims): { affine: number[]; fromHeader: 'sform' | 'qform' | 'none' } {
  if (g.sformCode > 0) return { affine: [...g.srow, 0, 0, 0, 1], fromHeader: 'sform' };
  if (g.qformCode > 0) return { affine: qformAffine(g), fromHeader: 'qform' };
  return { affine: baseAffine(g, dims), fromHeader: 'none' };
}
