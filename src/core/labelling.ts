import { type FusionParams, type PhiSet, argmax, fuse } from './fusion';
import { SET_ASIDE, classToLabel, labelName, labelToClass } from './labels';
import { ASIDE, decodeSequence, levelSteps } from './sequence';
import type { FoundVertebra } from './pipeline';
import type { ScanSide } from './stages/measure';

/** Masks set aside are not drawn and not exported, but listed, so that nothing found is hidden. */
export { SET_ASIDE };

/** Below this fused probability a label is flagged for review. */
export const LOW_CONFIDENCE = 0.7;

/** A vertebra as shown and exported: its label after fusion (or the user's), and why. */
export interface LabelledVertebra {
  id: number;
  /** VerSe label (1–24; 25 L6, 28 T13 only when set by the user; 0 set aside). */
  label: number;
  name: string;
  /** Label from the identifier alone (MC-dropout mean), before fusion. */
  labelBefore: number;
  /** Fused probability of the chosen label (1 for a user's correction). */
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
}

/**
 * Runs fusion over the found vertebra sequence and names each one. `corrections` maps instance id
 * → VerSe label fixed by the user: it stays, and (for C1–L5) pulls its neighbours as a certain
 * message. Pure and cheap: this is what every fusion slider move re-runs.
 */
export function labelVertebrae(found: readonly FoundVertebra[], phi: PhiSet, params: FusionParams, corrections: ReadonlyMap<number, number> = new Map()): LabelledVertebra[] {
  const fixed = found.map((v) => {
    const l = corrections.get(v.id);
    const c = l === undefined ? -1 : labelToClass(l);
    return c >= 0 ? c : null;
  });
  const fused = fuse({ p: found.map((v) => Float64Array.from(v.p)), entropy: found.map((v) => v.entropy), phi, fixed }, params);
  const classes = (params.order && ordered(found, fused, fixed, corrections)) || fused.map(argmax);
  return found.map((v, i) => {
    const f = fused[i]!;
    const user = corrections.get(v.id);
    const c = classes[i]!;
    const label = user ?? (c === ASIDE ? SET_ASIDE : classToLabel(c));
    return {
      id: v.id,
      label,
      name: labelName(label),
      labelBefore: classToLabel(argmax(v.p)),
      confidence: user !== undefined ? 1 : (f[c] ?? 0),
      uncertainty: v.entropy,
      fused: Array.from(f),
      centroid: label === 1 ? v.massCentre : v.bodyCentre,
      volumeMl: v.volumeMl,
      cutBy: v.cutBy,
      corrected: user !== undefined,
    };
  });
}

/**
 * Classes decoded jointly along the spine (sequence.ts); vertebrae the user marked transitional
 * (T13, L6: no network class) are left out of the decode and keep their mark. Null when the
 * decode finds no consistent labelling (the caller falls back to per-vertebra argmax).
 */
function ordered(found: readonly FoundVertebra[], fused: readonly Float64Array[], fixed: readonly (number | null)[], corrections: ReadonlyMap<number, number>): number[] | null {
  const inDecode = found.map((v, i) => i).filter((i) => !(corrections.has(found[i]!.id) && fixed[i] == null));
  const steps = levelSteps(inDecode.map((i) => found[i]!.positionMm));
  const decoded = decodeSequence(inDecode.map((i) => fused[i]!), steps, inDecode.map((i) => fixed[i] ?? null));
  if (!decoded) return null;
  const out = fused.map(argmax);
  inDecode.forEach((i, k) => (out[i] = decoded[k]!));
  return out;
}
