import { type LabelledVertebra, SET_ASIDE } from './labelling';
import { CLASS_COUNT } from './labels';

/**
 * The user's corrections: instance id → VerSe label. Pure updates (new maps), so undo/redo is a
 * stack of values. Fusion treats each corrected vertebra as certain (src/core/labelling.ts).
 */
export type Corrections = ReadonlyMap<number, number>;

export function relabel(c: Corrections, id: number, label: number): Corrections {
  return new Map(c).set(id, label);
}

export function clearCorrection(c: Corrections, id: number): Corrections {
  const out = new Map(c);
  out.delete(id);
  return out;
}

/**
 * Every vertebra one level up (−1) or down (+1): the commonest error, an off-by-one sequence. A shift
 * moves levels, not what is a vertebra: masks set aside (the decoder's or the user's) stay aside.
 * Left to the decoder they would have to take a level, since corrections switch set-asides off, and
 * the sacrum below L5 came out "L1".
 */
export function shiftAll(vertebrae: readonly LabelledVertebra[], delta: number): Corrections {
  const out = new Map<number, number>();
  for (const v of vertebrae) {
    if (v.label === SET_ASIDE || v.label > CLASS_COUNT) out.set(v.id, v.label); // set-asides, L6 / T13 marks stay
    else out.set(v.id, Math.min(CLASS_COUNT, Math.max(1, v.label + delta)));
  }
  return out;
}

/**
 * "This one is <label>": the anchor gets it and every other vertebra the consecutive level by its
 * place in the spine-ordered list (cranial → caudal); levels outside C1–L5 are left to fusion.
 */
export function anchorAt(vertebrae: readonly LabelledVertebra[], id: number, label: number): Corrections {
  const chain = vertebrae.filter((v) => v.label !== SET_ASIDE || v.id === id); // masks set aside take no level
  const at = chain.findIndex((v) => v.id === id);
  if (at < 0 || label < 1 || label > CLASS_COUNT) return new Map(vertebrae.filter((v) => v.corrected).map((v) => [v.id, v.label]));
  const out = new Map<number, number>();
  chain.forEach((v, i) => {
    const l = label + (i - at);
    if (l >= 1 && l <= CLASS_COUNT) out.set(v.id, l);
  });
  return out;
}
