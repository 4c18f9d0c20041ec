import { nearbyMedian } from './median';

/**
 * Sequence decoding (ours, after fusion): a spine's labels strictly increase cranial → caudal,
 * one vertebra per level, and consecutive vertebrae are one level apart unless the gap between
 * them says one was missed. Taking each vertebra's argmax alone breaks this (two L4s, a T9 below
 * L3); this picks the labelling that is most probable under the fused probabilities *and*
 * consistent — the constraint the paper's L_se (Eq. 3) only teaches the network — by dynamic
 * programming over (vertebra, level), O(n·K²), well under a millisecond for a whole spine.
 *
 *   score(labels) = Σ_i ln f_i(l_i) − λ · Σ_i |(l_i − l_{i−1}) − r_i|,   l_i > l_{i−1}
 *
 * r_i is the measured gap to the vertebra above in local spacings (1 ≈ neighbours, 2 ≈ one level
 * missed between). One extra state after L5 is L6 (VerSe 25): a sixth lumbar vertebra, or the
 * sacrum taken for one — rare, so it costs `l6Prior`, and it is flagged by its low confidence.
 */

export interface SequenceOptions {
  /** Cost per level of disagreement between a step and the measured gap (λ). */
  stepCost: number;
  /** Probability given to "a vertebra below L5". */
  l6Prior: number;
  /** Probability that a mask at either end of the spine is not one of its vertebrae. */
  asidePrior: number;
  /**
   * Divides every log weight when reading the chain as probabilities (sequenceMarginals); the decode
   * is the same whatever it is. Fusion has already mixed each vertebra's neighbours into its
   * probabilities, so the chain counts some evidence twice and is over-sure at 1: 2 minimises the
   * log loss of "the shown level is right" on the clustering-tuning phantoms (seeds 300000–300009,
   * neither trained nor validated on; 1, 1.5, 2, 2.5, 3, 4, 6 tried; docs/EVAL.md, "Confidence").
   */
  temperature: number;
}

export const SEQUENCE: SequenceOptions = { stepCost: 3, l6Prior: 0.02, asidePrior: 0.05, temperature: 2 };

/** Gap to the previous vertebra in local spacings (median of the nearby gaps, ±3); 1 for the first. */
export function levelSteps(positionsMm: readonly number[]): number[] {
  const gaps = positionsMm.slice(1).map((p, i) => p - positionsMm[i]!);
  return positionsMm.map((_, i) => {
    if (i === 0) return 1;
    const local = nearbyMedian(gaps, i - 1) ?? gaps[i - 1]!;
    return local > 0 ? gaps[i - 1]! / local : 1;
  });
}

/** Decoded class of a vertebra set aside as not part of the spine (before C1's or after the last one's chain). */
export const ASIDE = -1;

/**
 * Class per vertebra (0…K−1, or K for L6), strictly increasing along the chain; `fixed` classes
 * (user corrections) are kept. Vertebrae at either end may be set aside (ASIDE) instead, at
 * `asidePrior` each: a skull-base fragment above C1, the sacrum and an iliac crest below L5 —
 * masks that would otherwise push every label by one — unless the user has fixed any level. Null when no consistent labelling exists
 * (corrections out of order): the caller keeps the per-vertebra labels then.
 */
export function decodeSequence(f: readonly ArrayLike<number>[], steps: readonly number[], fixed: readonly (number | null)[] = [], opt: SequenceOptions = SEQUENCE): number[] | null {
  const n = f.length;
  if (n === 0) return [];
  const k = f[0]!.length;
  // States: 0…k−1 classes, k = L6, k+1 = set aside before the chain, k+2 = set aside after it.
  const L6 = k, PRE = k + 1, POST = k + 2, states = k + 3;
  // Once the user has corrected a level, what is not a vertebra is theirs to say too.
  const aside = fixed.some((c) => c != null) ? -Infinity : Math.log(opt.asidePrior);
  const logp = (i: number, c: number): number => {
    if (fixed[i] != null) return fixed[i] === c ? 0 : -Infinity;
    if (c === PRE || c === POST) return aside;
    return Math.log(Math.max(c === L6 ? opt.l6Prior : f[i]![c]!, 1e-12));
  };
  const score = new Float64Array(n * states).fill(-Infinity);
  const from = new Int32Array(n * states).fill(-1);
  for (let c = 0; c < states; c++) if (c !== POST) score[c] = logp(0, c);
  for (let i = 1; i < n; i++) {
    const prev = (i - 1) * states;
    for (let c = 0; c < states; c++) {
      const own = logp(i, c);
      if (own === -Infinity) continue;
      // Best predecessor, first best winning: PRE/POST continue themselves and a class may start the
      // chain after PRE; then the classes ascending.
      const self = c === PRE || c === POST ? c : PRE;
      let best = score[prev + self]!, arg = self;
      const top = c === POST ? L6 + 1 : c === PRE ? 0 : c;
      for (let c0 = 0; c0 < top; c0++) {
        const s = c === POST ? score[prev + c0]! : score[prev + c0]! - opt.stepCost * Math.abs(c - c0 - steps[i]!);
        if (s > best) {
          best = s;
          arg = c0;
        }
      }
      if (best > -Infinity) {
        score[i * states + c] = best + own;
        from[i * states + c] = arg;
      }
    }
  }
  let end = -1;
  for (let c = 0; c < states; c++) {
    if (c === PRE) continue; // at least one vertebra in the chain
    if (end < 0 || score[(n - 1) * states + c]! > score[(n - 1) * states + end]!) end = c;
  }
  if (score[(n - 1) * states + end]! === -Infinity) return null;
  const out = new Array<number>(n);
  for (let i = n - 1, c = end; i >= 0; i--) {
    out[i] = c === PRE || c === POST ? ASIDE : c;
    c = from[i * states + c]!;
  }
  return out;
}

/**
 * Per vertebra, the probability of each state under the same model as decodeSequence, read as a
 * chain whose labelling has probability ∝ exp(score / temperature): forward–backward (sum where the decode takes
 * the max), in logs. Row i holds K classes, then L6, then "set aside" (either end). The decode's
 * class for vertebra i is the one whose labelling is best as a whole; its row here says how much
 * of all consistent labellings agree with it there — how sure the chain is of that vertebra.
 * Null when no consistent labelling exists.
 */
export function sequenceMarginals(f: readonly ArrayLike<number>[], steps: readonly number[], fixed: readonly (number | null)[] = [], opt: SequenceOptions = SEQUENCE): Float64Array[] | null {
  const n = f.length;
  const temperature = opt.temperature;
  if (n === 0) return [];
  const k = f[0]!.length;
  const L6 = k, PRE = k + 1, POST = k + 2, states = k + 3;
  const aside = fixed.some((c) => c != null) ? -Infinity : Math.log(opt.asidePrior);
  const logp = (i: number, c: number): number => {
    if (fixed[i] != null) return fixed[i] === c ? 0 : -Infinity;
    if (c === PRE || c === POST) return aside / temperature;
    return Math.log(Math.max(c === L6 ? opt.l6Prior : f[i]![c]!, 1e-12)) / temperature;
  };
  // Log weight of the step c0 → c at vertebra i (−∞ where the decode allows no such step).
  const step = (i: number, c0: number, c: number): number => {
    if (c === PRE) return c0 === PRE ? 0 : -Infinity;
    if (c === POST) return c0 === POST || c0 <= L6 ? 0 : -Infinity;
    if (c0 === PRE) return 0;
    return c0 < c ? (-opt.stepCost * Math.abs(c - c0 - steps[i]!)) / temperature : -Infinity;
  };
  const alpha = Array.from({ length: n }, () => new Float64Array(states).fill(-Infinity));
  const beta = Array.from({ length: n }, () => new Float64Array(states).fill(-Infinity));
  for (let c = 0; c < states; c++) if (c !== POST) alpha[0]![c] = logp(0, c);
  for (let i = 1; i < n; i++) {
    for (let c = 0; c < states; c++) {
      const own = logp(i, c);
      if (own === -Infinity) continue;
      alpha[i]![c] = logSumExp(states, (c0) => alpha[i - 1]![c0]! + step(i, c0, c)) + own;
    }
  }
  for (let c = 0; c < states; c++) beta[n - 1]![c] = c === PRE ? -Infinity : 0; // at least one vertebra in the chain
  for (let i = n - 2; i >= 0; i--) {
    for (let c = 0; c < states; c++) beta[i]![c] = logSumExp(states, (c1) => step(i + 1, c, c1) + logp(i + 1, c1) + beta[i + 1]![c1]!);
  }
  const z = logSumExp(states, (c) => alpha[n - 1]![c]! + beta[n - 1]![c]!);
  if (z === -Infinity) return null;
  return alpha.map((a, i) => {
    const row = new Float64Array(k + 2);
    for (let c = 0; c < states; c++) {
      const j = c === PRE || c === POST ? k + 1 : c;
      row[j] = row[j]! + Math.exp(a[c]! + beta[i]![c]! - z);
    }
    return row;
  });
}

/** ln Σ_j exp(term(j)) over j < m, safe for −∞ terms. */
function logSumExp(m: number, term: (j: number) => number): number {
  let max = -Infinity;
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    t[j] = term(j);
    if (t[j]! > max) max = t[j]!;
  }
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < m; j++) s += Math.exp(t[j]! - max);
  return max + Math.log(s);
}
