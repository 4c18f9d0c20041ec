import type { ScanWarning } from './errors';
import { canonicalGrid } from './geometry/canonical';
import type { Mat4 } from './geometry/mat4';
import { spacingOf, type Dims } from './volume';

/**
 * Head-to-foot reach below which a scan holds less than two thoracic or lumbar vertebrae (their
 * pitch is 25–40 mm). Stage 3 then has no neighbours to fuse, and the vertebrae the scan's ends
 * cut are segmented in part: labels there are guesses.
 */
export const MIN_COVERAGE_MM = 60;

/** How far the scan reaches along the body's long (S–I) axis, mm: slices × their spacing. */
export function headToFootMm(dims: Dims, affine: Mat4): number {
  const along = canonicalGrid(dims, affine).axes[2].source;
  return dims[along] * spacingOf(affine)[along];
}

/** The warning a scan too short to label gets, or null. */
export function coverageWarning(dims: Dims, affine: Mat4): ScanWarning | null {
  const mm = headToFootMm(dims, affine);
  if (mm >= MIN_COVERAGE_MM) return null;
  return {
    code: 'short-coverage',
    message: `This scan reaches only ${Math.round(mm)} mm from head to foot, less than two vertebrae. Vertebrae cut by its ends are found in part or not at all, and their levels cannot be told from neighbours: treat every label as unconfirmed.`,
  };
}
