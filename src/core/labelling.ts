import { type FusionParams, type PhiSet, argmax, fuse } from './fusion';
import { classToLabel, labelName, labelToClass } from './labels';
import type { FoundVertebra } from './pipeline';

/** A vertebra as shown and exported: its label after fusion (or the user's), and why. */
export interface LabelledVertebra {
  id: number;
  /** VerSe label (1–24; 25 L6, 28 T13 only when set by the user). */
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
  return found.map((v, i) => {
    const f = fused[i]!;
    const user = corrections.get(v.id);
    const c = argmax(f);
    const label = user ?? classToLabel(c);
    return {
      id: v.id,
      label,
      name: labelName(label),
      labelBefore: classToLabel(argmax(v.p)),
      confidence: user !== undefined ? 1 : f[c]!,
      uncertainty: v.entropy,
      fused: Array.from(f),
      centroid: label === 1 ? v.massCentre : v.bodyCentre,
      volumeMl: v.volumeMl,
      corrected: user !== undefined,
    };
  });
}
