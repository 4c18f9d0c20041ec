import type { RibCall } from './anchors/anchors';
import { anchorLogLikelihood } from './anchors/likelihood';
import { type FusionParams, type PhiSet, argmax, fuse } from './fusion';
import { SET_ASIDE, classToLabel, labelName, labelToClass } from './labels';
import { ASIDE, type Evidence, SEQUENCE, decodeSequence, levelConfidence, levelSteps, sequenceMarginals } from './sequence';
import type { FoundVertebra } from './pipeline';
import type { ScanSide } from './stages/measure';

/** Masks set aside are not drawn and not exported, but listed, so that nothing found is hidden. */
export { SET_ASIDE };

/**
 * Below this confidence a label is flagged for review: more than a 1 in 10 chance that the level is
 * wrong, the confidence being calibrated (docs/EVAL.md, "Confidence").
 */
export const LOW_CONFIDENCE = 0.9;

/** A vertebra as shown and exported: its label after fusion (or the user's), and why. */
export interface LabelledVertebra {
  id: number;
  /** VerSe label (1–24; 25 L6, 28 T13 only when set by the user; 0 set aside). */
  label: number;
  name: string;
  /** Label from the identifier alone (MC-dropout mean), before fusion. */
  labelBefore: number;
  /**
   * Probability of the chosen label: with the labels decoded in order along the spine, the share of
   * all consistent labellings that give it, given that the mask is a vertebra (sequence.ts,
   * sequenceMarginals, tempered); else its fused probability. 1 for a user's correction, 0 for a
   * mask set aside.
   */
  confidence: number;
  /** Entropy (nats) of the identifier's MC-dropout mean. */
  uncertainty: number;
  /** Fused class probabilities. */
  fused: number[];
  /** World RAS mm: vertebral-body centre (C1: centre of its ring), as VerSe centroids. */
  centroid: [number, number, number];
  volumeMl: number;
  /** Faces of the scan that cut its mask (the volume is then only the part inside). */
  cutBy: ScanSide[];
  corrected: boolean;
  /** Landmarks found beside it (src/core/anchors): ribs, pelvis beside it, sacrum-like; null when none were read. */
  anchors: { ribs: RibCall; pelvis: boolean; sacrum: boolean } | null;
}

/**
 * Runs fusion over the found vertebra sequence and names each one. `corrections` maps instance id
 * → VerSe label fixed by the user: it stays, and (for C1–L5) pulls its neighbours as a certain
 * message. Pure and cheap: this is what every fusion slider move re-runs.
 */
export function labelVertebrae(found: readonly FoundVertebra[], phi: PhiSet, params: FusionParams, corrections: ReadonlyMap<number, number> = new Map(), anchorWeight = ANCHOR_WEIGHT): LabelledVertebra[] {
  const fixed = found.map((v) => {
    const l = corrections.get(v.id);
    const c = l === undefined ? -1 : labelToClass(l);
    return c >= 0 ? c : null;
  });
  const raw = fuse({ p: found.map((v) => Float64Array.from(v.p)), entropy: found.map((v) => v.entropy), phi, fixed }, params);
  const evidence = anchorEvidence(found, anchorWeight);
  const fused = withEvidence(raw, evidence);
  const decoded = params.order ? ordered(found, raw, fixed, corrections, evidence) : null;
  const classes = decoded?.classes ?? fused.map(argmax);
  return found.map((v, i) => {
    const f = fused[i]!;
    const user = corrections.get(v.id);
    const c = classes[i]!;
    const sure = decoded?.sure[i];
    const label = user ?? (c === ASIDE ? SET_ASIDE : classToLabel(c));
    return {
      id: v.id,
      label,
      name: labelName(label),
      labelBefore: classToLabel(argmax(v.p)),
      confidence: user !== undefined ? 1 : c === ASIDE ? 0 : (sure ?? f[c] ?? 0),
      uncertainty: v.entropy,
      fused: Array.from(f),
      centroid: label === 1 ? v.massCentre : v.bodyCentre,
      volumeMl: v.volumeMl,
      cutBy: v.cutBy,
      corrected: user !== undefined,
      anchors: v.anchors ? { ribs: v.anchors.ribs, pelvis: v.anchors.pelvis, sacrum: v.anchors.sacrum } : null,
    };
  });
}

/**
 * Weight of the anatomical anchors' log-likelihood (src/core/anchors) against the fused
 * log-probabilities; 0 labels by shape and neighbours alone. Chosen leaving each real CT out
 * (docs/EVAL.md, "Anchors").
 */
export const ANCHOR_WEIGHT = 0.5;

/** Per vertebra, its anchors' log-likelihood times `weight` (sequence.ts, Evidence); null without anchors. */
function anchorEvidence(found: readonly FoundVertebra[], weight: number): (Float64Array | null)[] {
  return found.map((v) => (v.anchors && weight > 0 ? anchorLogLikelihood(v.anchors, v.p.length).map((x) => weight * x) : null));
}

/** Fused probabilities times each vertebra's evidence over the classes, renormalised: what is shown, and the labels with "in order" off. */
function withEvidence(fused: readonly Float64Array[], evidence: readonly (Float64Array | null)[]): Float64Array[] {
  return fused.map((f, i) => {
    const e = evidence[i];
    if (!e) return f;
    const out = f.map((p, c) => p * Math.exp(e[c]!));
    const sum = out.reduce((s, x) => s + x, 0);
    return sum > 0 ? out.map((x) => x / sum) : f;
  });
}

/**
 * Classes decoded jointly along the spine (sequence.ts), and how sure the chain is of each (the
 * decoded class's marginal; null for vertebrae outside the decode). Vertebrae the user marked
 * transitional (T13, L6: no network class) are left out of the decode and keep their mark. Null
 * when the decode finds no consistent labelling (the caller falls back to per-vertebra argmax).
 */
function ordered(found: readonly FoundVertebra[], fused: readonly Float64Array[], fixed: readonly (number | null)[], corrections: ReadonlyMap<number, number>, evidence: Evidence): { classes: number[]; sure: (number | null)[] } | null {
  const inDecode = found.map((v, i) => i).filter((i) => !(corrections.has(found[i]!.id) && fixed[i] == null));
  const steps = levelSteps(inDecode.map((i) => found[i]!.positionMm));
  const f = inDecode.map((i) => fused[i]!);
  const given = inDecode.map((i) => fixed[i] ?? null);
  const ev = inDecode.map((i) => evidence[i]);
  const decoded = decodeSequence(f, steps, given, SEQUENCE, ev);
  const marginals = decoded && sequenceMarginals(f, steps, given, SEQUENCE, ev);
  if (!decoded || !marginals) return null;
  const classes = fused.map(argmax);
  const sure = found.map((): number | null => null);
  inDecode.forEach((i, n) => {
    const c = decoded[n]!;
    classes[i] = c;
    if (c !== ASIDE) sure[i] = levelConfidence(marginals[n]!, c);
  });
  return { classes, sure };
}
