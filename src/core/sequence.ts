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

/**
 * Per vertebra, log-likelihoods of independent evidence (the anatomical anchors) added to its states:
 * k classes, L6, then "set aside below the chain"; null or absent for none.
 */
export type Evidence = readonly (ArrayLike<number> | null | undefined)[];

/** Decoded class of a vertebra set aside as not part of the spine (before C1's or after the last one's chain). */
export const ASIDE = -1;

/**
 * Class per vertebra (0…K−1, or K for L6), strictly increasing along the chain; `fixed` classes
 * (user corrections) are kept. Vertebrae at either end may be set aside (ASIDE) instead, at
 * `asidePrior` each: a skull-base fragment above C1, the sacrum and an iliac crest below L5 —
 * masks that would otherwise push every label by one — unless the user has fixed any level. Null when no consistent labelling exists
 * (corrections out of order): the caller keeps the per-vertebra labels then.
 */
export function decodeSequence(f: readonly ArrayLike<number>[], steps: readonly number[], fixed: readonly (number | null)[] = [], opt: SequenceOptions = SEQUENCE, evidence: Evidence = []): number[] | null {
  const n = f.length;
  if (n === 0) return [];
  const k = f[0]!.length;
  // States: 0…k−1 classes, k = L6, k+1 = set aside before the chain, k+2 = set aside after it.
  const L6 = k, PRE = k + 1, POST = k + 2, states = k + 3;
  const own = stateLogWeights(f, fixed, opt, evidence);
  const logp = (i: number, c: number): number => own[i]![c]!;
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
 * Per vertebra, the log weight of each state on its own (0…k−1 classes, k = L6, k+1 / k+2 = set
 * aside before / after the chain): the model's terms that do not depend on the neighbours, shared by
 * decodeSequence and sequenceMarginals.
 */
function stateLogWeights(f: readonly ArrayLike<number>[], fixed: readonly (number | null)[], opt: SequenceOptions, evidence: Evidence): Float64Array[] {
  const k = f[0]?.length ?? 0;
  const L6 = k, PRE = k + 1, POST = k + 2;
  // Once the user has corrected a level, what is not a vertebra is theirs to say too.
  const aside = fixed.some((c) => c != null) ? -Infinity : Math.log(opt.asidePrior);
  return f.map((p, i) =>
    Float64Array.from({ length: k + 3 }, (_, c) => {
      if (fixed[i] != null) return fixed[i] === c ? 0 : -Infinity;
      const e = evidence[i];
      if (c === PRE) return aside;
      if (c === POST) return aside + (e ? e[k + 1]! : 0);
      return Math.log(Math.max(c === L6 ? opt.l6Prior : p[c]!, 1e-12)) + (e ? e[c]! : 0);
    }),
  );
}

/**
 * Per vertebra, the probability of each state under the same model as decodeSequence, read as a
 * chain whose labelling has probability ∝ exp(score / temperature): forward–backward (sum where the
 * decode takes the max), in probabilities rescaled at every vertebra; O(n·K²) multiply-adds, tens of
 * microseconds for a whole spine, so it runs on every slider move. Row i holds K classes, then L6,
 * then "set aside" (either end). The decode's class for vertebra i is the one whose labelling is best
 * as a whole; its row here says how much of all consistent labellings agree with it there — how sure
 * the chain is of that vertebra. Null when no consistent labelling exists.
 */
export function sequenceMarginals(f: readonly ArrayLike<number>[], steps: readonly number[], fixed: readonly (number | null)[] = [], opt: SequenceOptions = SEQUENCE, evidence: Evidence = []): Float64Array[] | null {
  const n = f.length;
  if (n === 0) return [];
  const k = f[0]!.length;
  const L6 = k, PRE = k + 1, POST = k + 2, states = k + 3;
  const t = opt.temperature;
  // Weight of vertebra i in state c: the decode's, tempered.
  const own = stateLogWeights(f, fixed, opt, evidence).map((row) => row.map((w) => Math.exp(w / t)));
  // Weight of a step of d levels up the chain at vertebra i (d = 1…L6; index 0 unused).
  const up = steps.map((r) => Float64Array.from({ length: L6 + 1 }, (_, d) => (d ? Math.exp((-opt.stepCost * Math.abs(d - r)) / t) : 0)));
  const scaled = (row: Float64Array): Float64Array | null => {
    let sum = 0;
    for (const x of row) sum += x;
    if (!(sum > 0)) return null;
    for (let c = 0; c < row.length; c++) row[c] = row[c]! / sum;
    return row;
  };
  const alpha: Float64Array[] = [];
  const first = Float64Array.from(own[0]!);
  first[POST] = 0;
  const a0 = scaled(first);
  if (!a0) return null;
  alpha.push(a0);
  for (let i = 1; i < n; i++) {
    const prev = alpha[i - 1]!, e = own[i]!, w = up[i]!, a = new Float64Array(states);
    let chain = 0;
    for (let c = 0; c <= L6; c++) {
      let s = prev[PRE]!;
      for (let c0 = 0; c0 < c; c0++) s += prev[c0]! * w[c - c0]!;
      a[c] = e[c]! * s;
      chain += prev[c]!;
    }
    a[PRE] = e[PRE]! * prev[PRE]!;
    a[POST] = e[POST]! * (prev[POST]! + chain);
    const next = scaled(a);
    if (!next) return null;
    alpha.push(next);
  }
  const beta: Float64Array[] = new Array<Float64Array>(n);
  const last = new Float64Array(states).fill(1);
  last[PRE] = 0; // at least one vertebra in the chain
  beta[n - 1] = last;
  for (let i = n - 2; i >= 0; i--) {
    const nb = beta[i + 1]!, e = own[i + 1]!, w = up[i + 1]!, b = new Float64Array(states);
    const post = e[POST]! * nb[POST]!;
    let anyChain = 0;
    for (let c = 0; c <= L6; c++) anyChain += e[c]! * nb[c]!;
    for (let c0 = 0; c0 <= L6; c0++) {
      let s = post;
      for (let c = c0 + 1; c <= L6; c++) s += w[c - c0]! * e[c]! * nb[c]!;
      b[c0] = s;
    }
    b[PRE] = e[PRE]! * nb[PRE]! + anyChain;
    b[POST] = post;
    const next = scaled(b);
    if (!next) return null;
    beta[i] = next;
  }
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const m = new Float64Array(states);
    for (let c = 0; c < states; c++) m[c] = alpha[i]![c]! * beta[i]![c]!;
    if (!scaled(m)) return null;
    const row = new Float64Array(k + 2);
    for (let c = 0; c <= L6; c++) row[c] = m[c]!;
    row[k + 1] = m[PRE]! + m[POST]!;
    out.push(row);
  }
  return out;
}

/**
 * How sure the chain is of class c for a vertebra, from its row of sequenceMarginals: given that the
 * mask is a vertebra, since being set aside is a prior at the chain's ends, not a doubt about the level.
 */
export function levelConfidence(row: ArrayLike<number>, c: number): number {
  return row[c]! / Math.max(1 - row[row.length - 1]!, 1e-12);
}
