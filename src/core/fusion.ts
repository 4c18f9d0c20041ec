import { CLASS_COUNT } from './labels';

/**
 * Uncertainty-weighted message fusion (SpineCLUE Eq. 7), pure and cheap enough for every slider
 * move. Vertebrae are given in spine order, cranial → caudal.
 *
 *   C_i^0 = p_i
 *   ω_i^t = Σ_{j ∈ N(i), j ≠ i} (1 / dis(i, j)) · w_j · (C_j^t · φ_{j−i})
 *   C_i^{t+1} = (C_i^t + θ · ω_i^t) / λ_i      (λ_i: C_i^{t+1} sums to 1)
 */
export interface FusionParams {
  /** Iterations t (paper's best 3). 0 returns p unchanged. */
  hops: number;
  /** Weight θ of the neighbours' message (paper 0.1). */
  theta: number;
  /** Size of N(i), counted including i: 1, 3, 5 or 7 (a window of ±(n−1)/2 in spine order). */
  neighbours: number;
  /**
   * w_j from the neighbour's entropy H_j: 'certainty' (ours) w = 1 − H/ln K, confident
   * neighbours speak louder; 'literal' (the paper as written) w = H.
   */
  weighting: 'certainty' | 'literal';
  /**
   * Ours, applied after fusion (src/core/sequence.ts): labels decoded jointly so that they
   * strictly increase along the spine; off → each vertebra's own argmax, as the paper.
   */
  order: boolean;
}

/** The paper's best settings (Fig. 7), with our sequence decoding on. */
export const PAPER_FUSION: FusionParams = { hops: 3, theta: 0.1, neighbours: 7, weighting: 'certainty', order: true };

/** φ_d for signed offsets d (neighbour j = i + d), each K×K row-major: (C_j φ_d)[c'] is the vote for "I am c'". */
export type PhiSet = ReadonlyMap<number, Float64Array>;

export interface FusionInput {
  /** Per vertebra, K class probabilities (mean of MC-dropout passes). */
  p: readonly Float64Array[];
  /** Per vertebra, the entropy of p (nats). */
  entropy: readonly number[];
  /** Per vertebra, position along the spine in mm; null → distance in sequence steps. */
  positions?: readonly number[] | null;
  /** Typical spacing between neighbours (mm) that turns position differences into steps. */
  typicalSpacingMm?: number;
  phi: PhiSet;
  /** Per vertebra, a class fixed by the user (stays one-hot and pulls its neighbours), or null. */
  fixed?: readonly (number | null)[];
}

/** The anatomical prior φ_d: neighbour d below is class c ⇒ I am class c − d. */
export function shiftPhi(d: number, k = CLASS_COUNT): Float64Array {
  const m = new Float64Array(k * k);
  for (let c = 0; c < k; c++) if (c - d >= 0 && c - d < k) m[c * k + (c - d)] = 1;
  return m;
}

/** The shift prior for offsets ±1…±maxOffset. */
export function shiftPhiSet(maxOffset = 3, k = CLASS_COUNT): PhiSet {
  const out = new Map<number, Float64Array>();
  for (let d = -maxOffset; d <= maxOffset; d++) if (d !== 0) out.set(d, shiftPhi(d, k));
  return out;
}

export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let c = 0; c < p.length; c++) if (p[c]! > 0) h -= p[c]! * Math.log(p[c]!);
  return h;
}

function oneHot(c: number, k: number): Float64Array {
  const v = new Float64Array(k);
  v[c] = 1;
  return v;
}

/** Fused class probabilities per vertebra (new arrays; inputs untouched). */
export function fuse(input: FusionInput, params: Omit<FusionParams, 'order'>): Float64Array[] {
  const n = input.p.length;
  const k = input.p[0]?.length ?? CLASS_COUNT;
  const fixed = input.fixed ?? [];
  let cur = input.p.map((p, i) => (fixed[i] != null ? oneHot(fixed[i]!, k) : Float64Array.from(p)));
  if (params.hops <= 0 || n < 2 || params.neighbours < 2) return cur;
  const half = Math.floor((params.neighbours - 1) / 2);
  const lnK = Math.log(k);
  const weight = input.entropy.map((h, i) => {
    if (fixed[i] != null) return 1; // a user's correction is certain
    return params.weighting === 'certainty' ? Math.max(0, 1 - h / lnK) : h;
  });
  const spacing = input.typicalSpacingMm ?? 1;
  const dist = (i: number, j: number): number =>
    input.positions ? Math.max(Math.abs(input.positions[j]! - input.positions[i]!) / spacing, 1e-3) : Math.abs(j - i);
  const msg = new Float64Array(k);
  for (let t = 0; t < params.hops; t++) {
    const next: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      if (fixed[i] != null) {
        next.push(cur[i]!);
        continue;
      }
      msg.fill(0);
      for (let j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) {
        const phi = input.phi.get(j - i);
        if (j === i || !phi) continue;
        const a = weight[j]! / dist(i, j);
        if (a === 0) continue;
        const cj = cur[j]!;
        const { from, to, value } = nonZero(phi);
        for (let e = 0; e < value.length; e++) msg[to[e]!] = msg[to[e]!]! + a * cj[from[e]!]! * value[e]!;
      }
      const out = new Float64Array(k);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += out[c] = cur[i]![c]! + params.theta * msg[c]!;
      for (let c = 0; c < k; c++) out[c] = out[c]! / sum;
      next.push(out);
    }
    cur = next;
  }
  return cur;
}

/**
 * φ's non-zero entries (row = neighbour class, column = my class), row-major as the dense sum visits
 * them: learned φ keeps ~10 of 576 entries above zero, so each slider move touches only those.
 */
const sparse = new WeakMap<Float64Array, { from: Int32Array; to: Int32Array; value: Float64Array }>();
function nonZero(phi: Float64Array): { from: Int32Array; to: Int32Array; value: Float64Array } {
  let hit = sparse.get(phi);
  if (!hit) {
    const k = Math.round(Math.sqrt(phi.length));
    const at = [...phi.keys()].filter((e) => phi[e] !== 0);
    hit = { from: Int32Array.from(at, (e) => Math.floor(e / k)), to: Int32Array.from(at, (e) => e % k), value: Float64Array.from(at, (e) => phi[e]!) };
    sparse.set(phi, hit);
  }
  return hit;
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return best;
}
