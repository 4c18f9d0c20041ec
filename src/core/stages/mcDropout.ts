import { mulberry32 } from '../random';

/**
 * MC dropout with an explicit mask input (ORT deletes Dropout nodes, so the head takes
 * `Mul(x, mask)` and the masks are drawn here): N masks of `width` features, each kept with
 * probability 1 − rate and scaled by 1 / (1 − rate). Seeded: same scan, same result.
 */
export function dropoutMasks(n: number, width: number, rate: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const keep = 1 / (1 - rate);
  const out = new Float32Array(n * width);
  for (let i = 0; i < out.length; i++) out[i] = rand() < rate ? 0 : keep;
  return out;
}

/** Softmax of each row of an n × k logit matrix, averaged over the rows (Eq. 5). */
export function meanSoftmax(logits: ArrayLike<number>, n: number, k: number): Float64Array {
  const mean = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c]!);
    let sum = 0;
    const e = new Float64Array(k);
    for (let c = 0; c < k; c++) sum += e[c] = Math.exp(logits[r * k + c]! - max);
    for (let c = 0; c < k; c++) mean[c] = mean[c]! + e[c]! / sum / n;
  }
  return mean;
}

/**
 * The head's input for one vertebra: each of its embeddings (the crop's, and with mirror averaging its
 * mirror's) repeated over the same `passes` dropout masks, so that `meanSoftmax` over all rows is the
 * mean of the embeddings' MC-dropout means.
 */
export function mcInput(embeddings: readonly Float32Array[], masks: Float32Array, passes: number): { x: Float32Array; masks: Float32Array; rows: number } {
  const e = masks.length / passes;
  const rows = embeddings.length * passes;
  const x = new Float32Array(rows * e);
  const m = new Float32Array(rows * e);
  embeddings.forEach((emb, k) => {
    for (let r = 0; r < passes; r++) x.set(emb, (k * passes + r) * e);
    m.set(masks, k * passes * e);
  });
  return { x, masks: m, rows };
}
