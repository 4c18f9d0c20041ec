import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../testing/realData';

/**
 * Every model architecture in training/models, exported by PyTorch (opset 17, dynamic batch, only
 * browser-safe ops), runs in onnxruntime-web (WASM, as in the browser) and matches PyTorch's
 * outputs within 1e-4. Weights here are seeded test weights, not a model the app ships: the check
 * is that the architectures survive export and run in the runtime the app uses.
 */
interface Tensor {
  file: string;
  shape: number[];
}
type Index = Record<string, { model: string; runs: { inputs: Record<string, Tensor>; outputs: Record<string, Tensor> }[] }>;

let dir: string;
let index: Index;

const read = (t: Tensor): Float32Array => {
  const b = readFileSync(join(dir, t.file));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spineclue-onnx-'));
  execFileSync('/usr/bin/python3', ['-m', 'training.models.reference', dir], { cwd: ROOT, stdio: 'pipe' });
  index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  ort.env.wasm.numThreads = 1;
}, 120_000);

describe.each(['detector', 'segmenter', 'encoder', 'head'])('%s in onnxruntime-web', (name) => {
  it('matches PyTorch within 1e-4 on every reference input (dynamic batch and size)', async () => {
    const entry = index[name]!;
    const session = await ort.InferenceSession.create(readFileSync(join(dir, entry.model)), { executionProviders: ['wasm'] });
    for (const run of entry.runs) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [n, t] of Object.entries(run.inputs)) feeds[n] = new ort.Tensor('float32', read(t), t.shape);
      const out = await session.run(feeds);
      for (const [n, t] of Object.entries(run.outputs)) {
        const got = out[n]!;
        expect(got.dims).toEqual(t.shape);
        const want = read(t);
        const data = got.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(data[i]! - want[i]!));
        expect(maxDiff, `${name}.${n}`).toBeLessThanOrEqual(1e-4);
      }
    }
    await session.release();
  }, 120_000);
});
