import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { MODEL_NAMES, parseManifest } from '../core/manifest';
import { mulberry32 } from '../core/random';
import { ROOT } from '../testing/realData';
import { sha256Hex } from './integrity';

/**
 * The shipped models (public/models) against the PyTorch outputs training/ship.py recorded for
 * them: 5 seeded inputs per model (regenerated here from the same mulberry32 seeds), run in
 * onnxruntime-web on WASM as in the browser. Fails when a committed model drifts from its weights'
 * reference, or the manifest's hashes stop matching the files.
 */
const MODELS = join(ROOT, 'public', 'models');
const REFS = join(ROOT, 'src', 'runtime', '__fixtures__', 'models');
interface Run {
  seed: number;
  inputs: { name: string; shape: number[]; kind: 'uniform' | 'binary' | 'normal' }[];
  outputs: Record<string, { file: string; shape: number[] }>;
}
const index: Record<string, { model: string; subsample: number; runs: Run[] }> = JSON.parse(readFileSync(join(REFS, 'index.json'), 'utf8'));

function input(seed: number, shape: number[], kind: string): Float32Array {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.fround(r());
    out[i] = kind === 'binary' ? (u > 0.5 ? 1 : 0) : kind === 'normal' ? Math.fround(u * 6) - 3 : u;
  }
  return out;
}

describe('shipped models', () => {
  const manifest = parseManifest(JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')));

  it('match the sha256 in the manifest, and fit the browser budget (≤ 20 MB)', async () => {
    let total = 0;
    for (const name of MODEL_NAMES) {
      const bytes = new Uint8Array(readFileSync(join(MODELS, manifest.models[name].file)));
      expect(await sha256Hex(bytes), name).toBe(manifest.models[name].sha256);
      total += bytes.length;
    }
    expect(await sha256Hex(new Uint8Array(readFileSync(join(MODELS, manifest.fusion.file))))).toBe(manifest.fusion.sha256);
    expect(total).toBeLessThanOrEqual(20e6);
  });

  it.each(Object.keys(index))('%s matches its PyTorch reference within 1e-4 on 5 inputs', async (name) => {
    ort.env.wasm.numThreads = 1;
    const entry = index[name]!;
    const session = await ort.InferenceSession.create(readFileSync(join(MODELS, entry.model)), { executionProviders: ['wasm'] });
    expect(entry.runs).toHaveLength(5);
    for (const run of entry.runs) {
      const feeds: Record<string, ort.Tensor> = {};
      run.inputs.forEach((x, k) => (feeds[x.name] = new ort.Tensor('float32', input(run.seed * 10 + k, x.shape, x.kind), x.shape)));
      const out = await session.run(feeds);
      for (const [n, ref] of Object.entries(run.outputs)) {
        const b = readFileSync(join(REFS, ref.file));
        const want = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
        const got = out[n]!.data as Float32Array;
        expect(out[n]!.dims).toEqual(ref.shape);
        let max = 0;
        for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i * entry.subsample]! - want[i]!));
        expect(max, `${name} seed ${run.seed} ${n}`).toBeLessThanOrEqual(1e-4);
      }
    }
    await session.release();
  }, 60_000);
});
