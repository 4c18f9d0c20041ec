import type { Centroid } from './centroids';
import { region, type Region } from './labels';

/** Per ground-truth vertebra: identified or not, and the distance to the closest prediction. */
export interface IdOutcome {
  label: number;
  identified: boolean;
  /** Label of the closest prediction (null when there are none). */
  predicted: number | null;
  distanceMm: number;
}

export interface IdRate {
  identified: number;
  total: number;
  rate: number;
  byRegion: Record<Region, { identified: number; total: number }>;
  outcomes: IdOutcome[];
}

const dist = (a: readonly number[], b: readonly number[]): number => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

/**
 * VerSe's identification rate: a ground-truth vertebra is identified when the prediction closest
 * to it carries its label and lies within `tolMm` (20 mm) of it.
 */
export function idRate(predicted: readonly Centroid[], truth: readonly Centroid[], tolMm = 20): IdRate {
  const outcomes = truth.map((g): IdOutcome => {
    let best: Centroid | null = null;
    let d = Infinity;
    for (const p of predicted) {
      const e = dist(p.world, g.world);
      if (e < d) [best, d] = [p, e];
    }
    return { label: g.label, identified: best !== null && best.label === g.label && d <= tolMm, predicted: best?.label ?? null, distanceMm: d };
  });
  const byRegion = { C: { identified: 0, total: 0 }, T: { identified: 0, total: 0 }, L: { identified: 0, total: 0 } };
  for (const o of outcomes) {
    const r = byRegion[region(o.label)];
    r.total++;
    if (o.identified) r.identified++;
  }
  const identified = outcomes.filter((o) => o.identified).length;
  return { identified, total: outcomes.length, rate: outcomes.length ? identified / outcomes.length : 0, byRegion, outcomes };
}
