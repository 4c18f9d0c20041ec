import type * as OrtModule from 'onnxruntime-web';
import { MODEL_NAMES, type Manifest, ModelError, type ModelName, parseManifest, parsePhi } from '../core/manifest';
import type { PhiSet } from '../core/fusion';
import type { Runner } from '../core/pipeline';
import { verifyModel } from './integrity';

type Ort = typeof OrtModule;

/** Which backend runs the models, and why (shown to the user). */
export interface Backend {
  /** 'cpu' only in node with onnxruntime-node (the native ceiling the benchmark compares against). */
  name: 'webgpu' | 'wasm' | 'cpu';
  threads: number;
  /** Why WebGPU is not in use, when it is not. */
  reason?: string;
}

export interface Models {
  manifest: Manifest;
  phi: PhiSet;
  runner: Runner;
  backend: Backend;
  release(): Promise<void>;
}

export interface LoadOptions {
  /** Reads a file of the models folder (fetch in the browser, fs in node). */
  read: (file: string) => Promise<Uint8Array>;
  /** Try WebGPU first (browser with an adapter); otherwise WASM straight away. */
  webgpu?: boolean;
  /** WASM threads (hardwareConcurrency); ORT drops to 1 without cross-origin isolation. */
  threads: number;
  /** Test hook: make WebGPU session creation fail, to exercise the fallback. */
  failWebGpu?: boolean;
  /** The CPU provider: 'wasm' (onnxruntime-web, as in the browser) or 'cpu' (onnxruntime-node). */
  cpu?: 'wasm' | 'cpu';
}

const decoder = new TextDecoder();

/**
 * Loads manifest, fusion matrices and the four models (each checked against its sha256), and
 * creates one ORT session per model, reused for every scan. WebGPU first; on a missing adapter or
 * any session-creation failure, every model goes to WASM (never a mix: one backend, one report).
 */
export async function loadModels(ort: Ort, opt: LoadOptions): Promise<Models> {
  const manifest = parseManifest(JSON.parse(decoder.decode(await opt.read('manifest.json'))));
  const phiBytes = await opt.read(manifest.fusion.file);
  await verifyModel('fusion', phiBytes, manifest.fusion.sha256);
  const phi = parsePhi(JSON.parse(decoder.decode(phiBytes)));
  const bytes = {} as Record<ModelName, Uint8Array>;
  for (const name of MODEL_NAMES) {
    const e = manifest.models[name];
    let b: Uint8Array;
    try {
      b = await opt.read(e.file);
    } catch (err) {
      throw new ModelError(`The ${name} model (${e.file}) could not be loaded: ${(err as Error).message}. Reload the page; if you are offline, the app must have been opened online once.`);
    }
    await verifyModel(name, b, e.sha256);
    bytes[name] = b;
  }
  if (opt.cpu === 'cpu') return build(manifest, phi, ort, await createAll(ort, bytes, 'cpu', opt.threads), { name: 'cpu', threads: opt.threads });
  ort.env.wasm.numThreads = opt.threads;
  let reason: string | undefined; // why WebGPU is not used: set here on failure, or by the caller
  if (opt.webgpu) {
    try {
      if (opt.failWebGpu) throw new Error('forced failure (test)');
      const sessions = await createAll(ort, bytes, 'webgpu');
      return build(manifest, phi, ort, sessions, { name: 'webgpu', threads: opt.threads });
    } catch (err) {
      reason = `WebGPU failed (${(err as Error).message.slice(0, 200)}); using WASM`;
    }
  }
  const sessions = await createAll(ort, bytes, 'wasm');
  return build(manifest, phi, ort, sessions, { name: 'wasm', threads: ort.env.wasm.numThreads ?? opt.threads, ...(reason ? { reason } : {}) });
}

async function createAll(ort: Ort, bytes: Record<ModelName, Uint8Array>, ep: 'webgpu' | 'wasm' | 'cpu', threads?: number): Promise<Record<ModelName, OrtModule.InferenceSession>> {
  const out = {} as Record<ModelName, OrtModule.InferenceSession>;
  // logSeverityLevel 3: errors only. No memory pattern: batch shapes vary (planes, last batches), and
  // a pattern planned for one shape is re-planned for the next, growing the WASM heap run after run.
  const options: OrtModule.InferenceSession.SessionOptions = { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableMemPattern: false, ...(ep === 'cpu' && threads ? { intraOpNumThreads: threads } : {}) };
  try {
    for (const name of MODEL_NAMES) out[name] = await ort.InferenceSession.create(bytes[name], options);
  } catch (err) {
    await Promise.all(Object.values(out).map((s) => s.release()));
    throw err;
  }
  return out;
}

function build(manifest: Manifest, phi: PhiSet, ort: Ort, s: Record<ModelName, OrtModule.InferenceSession>, backend: Backend): Models {
  const t = (data: Float32Array, dims: number[]): OrtModule.Tensor => new ort.Tensor('float32', data, dims);
  /** One output's data, copied out of the session's memory, which is then freed. */
  const take = async (out: OrtModule.InferenceSession.OnnxValueMapType, name: string): Promise<Float32Array> => {
    const t = out[name]!;
    const d = (await t.getData()) as Float32Array;
    t.dispose();
    return d;
  };
  const runner: Runner = {
    async detect(batch, n, u, v) {
      const r = await s.detector.run({ image: t(batch, [n, 1, u, v]) });
      const out = { heat: await take(r, 'heat'), size: await take(r, 'size'), offset: await take(r, 'offset') };
      return manifest.models.detector.decode.centre === 'body' ? { ...out, shift: await take(r, 'shift') } : out;
    },
    segment: async (batch, n, sz) => take(await s.segmenter.run({ input: t(batch, [n, 2, sz, sz, sz]) }), 'prob'),
    // One channel (the mask) or two (mask + context): the batch holds n crops of `channels` cubes each.
    encode: async (batch, n, sz) => take(await s.encoder.run({ mask: t(batch, [n, batch.length / (n * sz ** 3), sz, sz, sz]) }), 'embedding'),
    head: async (emb, drop, n, e) => take(await s.head.run({ embedding: t(emb, [n, e]), dropout: t(drop, [n, e]) }), 'logits'),
  };
  return { manifest, phi, runner, backend, release: async () => void (await Promise.all(Object.values(s).map((x) => x.release()))) };
}
