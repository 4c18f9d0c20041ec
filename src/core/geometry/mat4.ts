/**
 * 4×4 affine matrices, row-major `number[16]`, mapping voxel indices (i, j, k, 1) to world
 * coordinates in mm (RAS+, the NIfTI / nibabel convention). Plain numbers (float64) on purpose:
 * header values are float32, products are kept exact enough for sub-micron agreement with nibabel.
 */
export type Mat4 = readonly number[];
export type Vec3 = readonly [number, number, number];

export function identity(): number[] {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

export function multiply(a: Mat4, b: Mat4): number[] {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k]! * b[k * 4 + c]!;
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/** Applies an affine to a point (i, j, k) → (x, y, z). */
export function apply(m: Mat4, p: Vec3): [number, number, number] {
  const [x, y, z] = p;
  return [
    m[0]! * x + m[1]! * y + m[2]! * z + m[3]!,
    m[4]! * x + m[5]! * y + m[6]! * z + m[7]!,
    m[8]! * x + m[9]! * y + m[10]! * z + m[11]!,
  ];
}

/** Determinant of the 3×3 linear part. */
export function det3(m: Mat4): number {
  return (
    m[0]! * (m[5]! * m[10]! - m[6]! * m[9]!) -
    m[1]! * (m[4]! * m[10]! - m[6]! * m[8]!) +
    m[2]! * (m[4]! * m[9]! - m[5]! * m[8]!)
  );
}

/** Inverse of an affine (last row 0 0 0 1); null when the linear part is singular. */
export function invert(m: Mat4): number[] | null {
  const d = det3(m);
  if (!Number.isFinite(d) || Math.abs(d) < 1e-12) return null;
  const [a, b, c, , e, f, g, , h, i, j] = m as number[];
  const inv = [
    (f! * j! - g! * i!) / d, (c! * i! - b! * j!) / d, (b! * g! - c! * f!) / d,
    (g! * h! - e! * j!) / d, (a! * j! - c! * h!) / d, (c! * e! - a! * g!) / d,
    (e! * i! - f! * h!) / d, (b! * h! - a! * i!) / d, (a! * f! - b! * e!) / d,
  ];
  const t = [m[3]!, m[7]!, m[11]!];
  const out = identity();
  for (let r = 0; r < 3; r++) {
    out[r * 4] = inv[r * 3]!;
    out[r * 4 + 1] = inv[r * 3 + 1]!;
    out[r * 4 + 2] = inv[r * 3 + 2]!;
    out[r * 4 + 3] = -(inv[r * 3]! * t[0]! + inv[r * 3 + 1]! * t[1]! + inv[r * 3 + 2]! * t[2]!);
  }
  return out;
}

/** Length of column `axis` of the linear part: the voxel size in mm along that voxel axis. */
export function columnNorm(m: Mat4, axis: number): number {
  return Math.hypot(m[axis]!, m[4 + axis]!, m[8 + axis]!);
}
