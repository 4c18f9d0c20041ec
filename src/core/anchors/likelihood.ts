import type { Anchors } from './anchors';

/**
 * P(anchor call | level) for levels C1…L5 then L6 (network classes 0–23, then 24), from anatomy:
 * T1–T12 bear ribs (the 12th can be short or missing), a lumbar rib at L1 or a cervical rib at C7
 * is uncommon; the sacrum and ilium flank L5 (and L6 where there is one), the iliac crests often
 * reach L4. The calls miss ribs in tight crops, so "no ribs" is weaker evidence than "ribs".
 */
const C7 = 6, T1 = 7, T12 = 18, L1 = 19, L4 = 22, L5 = 23, L6 = 24;

function pRibs(c: number): number {
  if (c >= T1 && c < T12) return 0.8;
  if (c === T12) return 0.7;
  if (c === L1 || c === C7) return 0.04;
  return 0.02;
}

function pNoRibs(c: number): number {
  if (c >= T1 && c < T12) return 0.1;
  if (c === T12) return 0.2;
  return 0.9;
}

function pPelvis(c: number): number {
  if (c === L5 || c === L6) return 0.6;
  if (c === L4) return 0.15;
  return 0.01;
}

/**
 * Log-likelihood of a vertebra's anchors under each of `k + 1` states (the k network classes, then
 * L6): the evidence term that labelling adds, times its weight, to the fused log-probabilities.
 */
export function anchorLogLikelihood(a: Anchors, k: number): Float64Array {
  return Float64Array.from({ length: k + 1 }, (_, c) => {
    const ribs = a.ribs === 'ribs' ? pRibs(c) : a.ribs === 'none' ? pNoRibs(c) : 1;
    const pelvis = a.pelvis ? pPelvis(c) : 1 - pPelvis(c);
    return Math.log(ribs) + Math.log(pelvis);
  });
}
