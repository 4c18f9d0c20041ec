import type { Centroid } from './centroids';
import { bodylessAtEdge } from './fragments';
import { type CanonicalGrid, canonicalGrid, toCanonical } from './geometry/canonical';
import { apply } from './geometry/mat4';
import { type LabelledVertebra, SET_ASIDE } from './labelling';
import { idRate, type IdRate } from './metrics';
import { bodyCentre } from './stages/bodyCentre';
import { type InstanceBox, boxCentre, instanceBoxes } from './stages/idCrop';
import type { Volume } from './volume';

/** A mask on its canonical grid, with each label's box there. */
function canonicalLabels(mask: Volume<Uint8Array | Uint16Array>): { grid: CanonicalGrid; ids: Uint8Array | Uint16Array; boxes: InstanceBox[] } {
  const grid = canonicalGrid(mask.dims, mask.affine, 'native');
  const ids = toCanonical(mask, grid, 'nearest').data;
  return { grid, ids, boxes: instanceBoxes(ids, grid.dims) };
}

/**
 * Ground truth from a VerSe mask when no centroid file is given: per label, the vertebral-body
 * centre (anterior 40 %; C1: its ring's centre of mass), world mm — the rule training/data/verse.py
 * uses, within 1–8 mm of VerSe's annotations on the cases that have both. Labels the scan's edge
 * cuts with none of their body inside (fragments.ts) have no body centre: they come apart, as
 * `fragments` (at the same point, so a report can still count them as before).
 */
export function centroidsFromMask(mask: Volume<Uint8Array | Uint16Array>): { centroids: Centroid[]; fragments: Centroid[] } {
  const { grid, ids, boxes } = canonicalLabels(mask);
  const bodyless = new Set(bodylessAtEdge(boxes, grid.dims));
  const centroids: Centroid[] = [];
  const fragments: Centroid[] = [];
  for (const b of boxes) {
    const { body, mass } = bodyCentre(ids, grid.dims, b);
    const c = { label: b.id, world: apply(grid.affine, b.id === 1 ? mass : body) };
    (bodyless.has(b.id) ? fragments : centroids).push(c);
  }
  return { centroids, fragments };
}

/**
 * Per label, the centre of the vertebra's bounding box (whole vertebra, processes included), world
 * mm: what a detector that peaks on whole-box centres is trained to find, so its recall after
 * clustering is measured against these (a body-centred one against the body centres above).
 */
export function boxCentresFromMask(mask: Volume<Uint8Array | Uint16Array>): Centroid[] {
  const { grid, boxes } = canonicalLabels(mask);
  return boxes.map((b) => ({ label: b.id, world: apply(grid.affine, boxCentre(b)) }));
}

/** How many of `truth` have a point of `found` within `tolMm`. */
export function recalled(found: readonly (readonly number[])[], truth: readonly Centroid[], tolMm = 10): number {
  return truth.filter((g) => found.some((f) => Math.hypot(f[0]! - g.world[0], f[1]! - g.world[1], f[2]! - g.world[2]) <= tolMm)).length;
}

/** Voxel counts of two label maps on the same grid: per label in each, and shared per (truth, prediction) pair. */
function overlapCounts(pred: ArrayLike<number>, truth: ArrayLike<number>): { nt: Map<number, number>; np: Map<number, number>; pair: Map<number, number> } {
  const pair = new Map<number, number>(); // truth · 65536 + prediction → shared voxels
  const np = new Map<number, number>();
  const nt = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!, p = pred[i]!;
    if (t) nt.set(t, (nt.get(t) ?? 0) + 1);
    if (p) np.set(p, (np.get(p) ?? 0) + 1);
    if (t && p) pair.set(t * 65536 + p, (pair.get(t * 65536 + p) ?? 0) + 1);
  }
  return { nt, np, pair };
}

/** Dice per ground-truth label between two label maps on the same grid. */
export function dicePerLabel(pred: ArrayLike<number>, truth: ArrayLike<number>): Map<number, number> {
  const { nt, np, pair } = overlapCounts(pred, truth);
  const out = new Map<number, number>();
  for (const [l, n] of nt) out.set(l, (2 * (pair.get(l * 65536 + l) ?? 0)) / (n + (np.get(l) ?? 0)));
  return out;
}

/**
 * Per ground-truth label: Dice with the predicted instance that overlaps it most, whatever that
 * instance is labelled — stage 2's masks measured apart from stage 3's labels (0 where none overlaps).
 */
export function bestOverlapDice(pred: ArrayLike<number>, truth: ArrayLike<number>): Map<number, number> {
  const { nt, np, pair } = overlapCounts(pred, truth);
  const out = new Map<number, number>();
  for (const t of nt.keys()) out.set(t, 0);
  for (const [k, shared] of pair) {
    const t = Math.floor(k / 65536), p = k % 65536;
    out.set(t, Math.max(out.get(t)!, (2 * shared) / (nt.get(t)! + np.get(p)!)));
  }
  return out;
}

export interface CaseScore {
  id: IdRate;
  /** Ground-truth vertebrae with a found vertebra (any label) within 10 mm: localisation recall. */
  foundWithin10mm: number;
  /** Mean distance from each ground-truth centre to the closest found one (mm). */
  meanDistanceMm: number | null;
  /** Squared label error of the closest prediction, averaged (Table 3's MSE). */
  labelMse: number | null;
  allCorrect: boolean;
}

export function scoreCase(labelled: readonly LabelledVertebra[], truth: readonly Centroid[]): CaseScore {
  const id = idRate(labelled.filter((v) => v.label !== SET_ASIDE).map((v) => ({ label: v.label, world: v.centroid })), truth);
  const near = id.outcomes.filter((o) => o.predicted !== null);
  return {
    id,
    foundWithin10mm: id.outcomes.filter((o) => o.distanceMm <= 10).length,
    meanDistanceMm: near.length ? near.reduce((a, o) => a + o.distanceMm, 0) / near.length : null,
    labelMse: near.length ? near.reduce((a, o) => a + (o.predicted! - o.label) ** 2, 0) / near.length : null,
    allCorrect: id.total > 0 && id.identified === id.total,
  };
}
