import type { Centroid } from './centroids';

/**
 * Does a shown confidence mean what it says? Each label shown is a call: its confidence, and
 * whether the level is right. A call is scored when a true vertebra lies within `tolMm` of it
 * (VerSe's 20 mm); masks with no true vertebra near (extra fragments) are not calls on a level.
 */
export interface Call {
  confidence: number;
  right: boolean;
}

export interface Calibration {
  calls: number;
  wrong: number;
  /** Expected calibration error over `BINS`: Σ share × |accuracy − mean confidence|. */
  ece: number;
  /** Mean squared error of the confidence against 1 (right) / 0 (wrong). */
  brier: number;
  /** Mean log loss of the same, confidences clipped to [1e-6, 1 − 1e-6]. */
  logLoss: number;
  /** How often a wrong call is less confident than a right one (null without both kinds). */
  auroc: number | null;
  /** Calls under the review threshold, and the wrong ones among them. */
  flagged: number;
  wrongFlagged: number;
  bins: { lo: number; hi: number; calls: number; accuracy: number; meanConfidence: number }[];
}

export const BINS = [0, 0.5, 0.7, 0.9, 0.95, 0.99, 1];

/** The true vertebra nearest a point (world mm), if it lies within `tolMm`. */
export function nearestTruth(p: readonly number[], truth: readonly Centroid[], tolMm = 20): Centroid | null {
  let best: Centroid | null = null;
  let d = Infinity;
  for (const g of truth) {
    const e = Math.hypot(g.world[0] - p[0]!, g.world[1] - p[1]!, g.world[2] - p[2]!);
    if (e < d) [best, d] = [g, e];
  }
  return best && d <= tolMm ? best : null;
}

/** The calls of one scan: each shown label against the true vertebra nearest its centroid. */
export function callsOf(shown: readonly { label: number; centroid: readonly number[]; confidence: number }[], truth: readonly Centroid[], tolMm = 20): Call[] {
  const out: Call[] = [];
  for (const v of shown) {
    const best = nearestTruth(v.centroid, truth, tolMm);
    if (best) out.push({ confidence: v.confidence, right: best.label === v.label });
  }
  return out;
}

export function calibration(calls: readonly Call[], threshold: number): Calibration {
  const n = calls.length;
  const wrong = calls.filter((c) => !c.right);
  const right = calls.filter((c) => c.right);
  const bins = BINS.slice(0, -1).map((lo, b) => {
    const hi = BINS[b + 1]!;
    const inBin = calls.filter((c) => c.confidence >= lo && (c.confidence < hi || (hi === 1 && c.confidence <= 1)));
    const k = inBin.length;
    return { lo, hi, calls: k, accuracy: k ? inBin.filter((c) => c.right).length / k : 0, meanConfidence: k ? inBin.reduce((s, c) => s + c.confidence, 0) / k : 0 };
  });
  let pairs = 0;
  for (const w of wrong) for (const r of right) pairs += w.confidence < r.confidence ? 1 : w.confidence === r.confidence ? 0.5 : 0;
  const clip = (p: number): number => Math.min(1 - 1e-6, Math.max(1e-6, p));
  return {
    calls: n,
    wrong: wrong.length,
    ece: n ? bins.reduce((s, b) => s + (b.calls / n) * Math.abs(b.accuracy - b.meanConfidence), 0) : 0,
    brier: n ? calls.reduce((s, c) => s + (c.confidence - (c.right ? 1 : 0)) ** 2, 0) / n : 0,
    logLoss: n ? calls.reduce((s, c) => s - Math.log(c.right ? clip(c.confidence) : 1 - clip(c.confidence)), 0) / n : 0,
    auroc: wrong.length && right.length ? pairs / (wrong.length * right.length) : null,
    flagged: calls.filter((c) => c.confidence < threshold).length,
    wrongFlagged: wrong.filter((c) => c.confidence < threshold).length,
    bins,
  };
}
