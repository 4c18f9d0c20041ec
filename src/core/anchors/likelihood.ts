import type { Anchors } from './anchors';

/**
 * P(anchor call | level) for levels C1…L5 then L6 (network classes 0–23, then 24), from anatomy:
 * T1–T12 bear ribs (the 12th can be short or missing), a lumbar rib at L1 or a cervical rib at C7
 * is uncommon; the sacrum and ilium flank L5 (and L6 where there is one), the iliac crests often
 * reach L4 (the skull base flanks C1–C2 as massively). The calls miss ribs in tight crops, so "no ribs" is weaker evidence than "ribs".
 */
const C1 = 0, C2 = 1, C7 = 6, T1 = 7, T12 = 18, L1 = 19, L4 = 22, L5 = 23, L6 = 24;
/** "Set aside below the chain" (a sacral segment segmented as a vertebra), the last state of anchorLogLikelihood's rows. */
const SACRAL = 25;

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

/** "Pelvis" is a large mass of bone beside the body: at the other end of the spine the skull base and the atlas' lateral masses look so too, and a chest's ribs and scapulae sometimes do. */
function pPelvis(c: number): number {
  if (c === SACRAL) return 0.9;
  if (c === L5 || c === L6) return 0.6;
  if (c === C1) return 0.5;
  if (c === C2) return 0.3;
  if (c === L4) return 0.15;
  return 0.02;
}

/** P(sacrum-like | state): a sacral segment segmented as a vertebra (set aside below the chain) looks so; a free vertebra rarely (a sacralised L5 may). */
function pSacrum(c: number): number {
  if (c === SACRAL) return 0.7;
  return c === L5 || c === L6 ? 0.05 : 0.01;
}

/**
 * Log-likelihood of a vertebra's anchors under each of `k + 2` states (the k network classes, L6,
 * then "set aside below the chain", i.e. a sacral segment): the evidence term that labelling adds,
 * times its weight, to the fused log-probabilities and to the sequence decoding's aside state.
 */
export function anchorLogLikelihood(a: Anchors, k: number): Float64Array {
  return Float64Array.from({ length: k + 2 }, (_, i) => {
    const c = i === k + 1 ? SACRAL : i === k ? L6 : i;
    const ribs = a.ribs === 'ribs' ? pRibs(c) : a.ribs === 'none' ? pNoRibs(c) : 1;
    // Only what is seen counts: a tight crop hides the pelvis beside L5 and the sacrum, so their absence says nothing.
    const pelvis = a.pelvis ? pPelvis(c) : 1;
    const sacrum = a.sacrum ? pSacrum(c) : 1;
    return Math.log(ribs) + Math.log(pelvis) + Math.log(sacrum);
  });
}
