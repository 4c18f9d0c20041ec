import { type Centroid, writeCentroids } from './centroids';
import { type LabelledVertebra, SET_ASIDE } from './labelling';
import type { Volume } from './volume';

/**
 * What a result is saved as: a VerSe label map on the scan's own grid, VerSe centroid JSON and a
 * CSV table; and the file names, derived from the scan's.
 */

/** Instance map → VerSe labels (uint8), same grid and header geometry. */
export function labelMap(instances: Volume<Uint8Array | Uint16Array>, vertebrae: readonly Pick<LabelledVertebra, 'id' | 'label'>[]): Volume<Uint8Array> {
  const lut = new Uint8Array(65536);
  for (const v of vertebrae) lut[v.id] = v.label;
  const data = new Uint8Array(instances.data.length);
  for (let i = 0; i < data.length; i++) data[i] = lut[instances.data[i]!]!;
  return { ...instances, data };
}

export function centroidJson(vertebrae: readonly LabelledVertebra[], grid: Pick<Volume, 'dims' | 'affine'>): unknown[] {
  const cs: Centroid[] = vertebrae.filter((v) => v.label !== SET_ASIDE).sort((a, b) => a.label - b.label).map((v) => ({ label: v.label, world: v.centroid }));
  return writeCentroids(cs, grid, 'voxel');
}

const CSV_HEADER = ['label', 'name', 'label_before_fusion', 'confidence', 'uncertainty', 'volume_ml', 'x_mm', 'y_mm', 'z_mm', 'corrected', 'cut_by_scan_edge', 'ribs', 'pelvis_beside', 'sacrum_like'];

/**
 * One row per vertebra, cranial → caudal; world RAS mm. Masks set aside are not vertebrae: left out.
 * `cut_by_scan_edge` lists the faces of the scan that cut the mask (S;P …), empty for a whole one.
 */
export function vertebraeCsv(vertebrae: readonly LabelledVertebra[]): string {
  const rows = vertebrae.filter((v) => v.label !== SET_ASIDE).map((v) =>
    [v.label, v.name, v.labelBefore, v.confidence.toFixed(4), v.uncertainty.toFixed(4), v.volumeMl.toFixed(2), ...v.centroid.map((c) => c.toFixed(2)), v.corrected ? 1 : 0, v.cutBy.join(';'), v.anchors?.ribs ?? '', v.anchors ? Number(v.anchors.pelvis) : '', v.anchors ? Number(v.anchors.sacrum) : ''].join(','),
  );
  return [CSV_HEADER.join(','), ...rows].join('\n') + '\n';
}

/** "sub-verse008_ct.nii.gz" → "sub-verse008_ct" (the stem every export is named after). */
export function scanStem(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.(nii(\.gz)?|dcm|zip)$/i, '');
  return base || 'scan';
}

export const exportNames = (stem: string): { mask: string; ctd: string; csv: string; png: string } => ({
  mask: `${stem}_seg-vert_msk.nii.gz`,
  ctd: `${stem}_ctd.json`,
  csv: `${stem}_vertebrae.csv`,
  png: `${stem}_screenshot.png`,
});
