import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { type Models, loadModels } from './sessions';

type Ort = typeof import('onnxruntime-web/webgpu');

/**
 * ORT's WebGPU build runs its WASM kernels through Asyncify, which costs CPU time on every call;
 * without a GPU the plain WASM build does the same work faster (both are bundled and precached).
 */
async function ortFor(webgpu: boolean): Promise<Ort> {
  const ort: Ort = webgpu ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = { wasm: new URL(webgpu ? asyncifyWasmUrl : plainWasmUrl, self.location.href).href };
  ort.env.logLevel = 'error'; // ORT's warnings (e.g. buffer re-use across batch shapes) are not the user's concern
  return ort;
}

/**
 * The shipped models in a browser worker: files fetched from the app's own origin (never a CDN),
 * WebGPU when an adapter exists, else WASM with one thread per core (threads need the page to be
 * cross-origin isolated: COOP/COEP headers).
 */
/** Backend choices for tests and support: ?wasm, ?gpufail (session creation fails), ?gpulost (device lost). */
export interface BackendOptions {
  forceWasm?: boolean;
  failWebGpu?: boolean;
  /** Destroys the WebGPU device once the sessions exist: every inference then fails as on a lost device. */
  loseWebGpu?: boolean;
}

export async function browserModels(opts: BackendOptions = {}): Promise<Models> {
  const base = new URL(`${import.meta.env.BASE_URL}models/`, self.location.href);
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let webgpu = false;
  let noGpu = 'WebGPU is not available in this browser';
  if (gpu && !opts.forceWasm) {
    try {
      webgpu = (await gpu.requestAdapter()) != null;
      if (!webgpu) noGpu = 'no WebGPU adapter (no usable GPU)';
    } catch (e) {
      noGpu = `WebGPU adapter request failed: ${(e as Error).message}`;
    }
  } else if (opts.forceWasm) noGpu = 'WASM requested';
  const ort = await ortFor(webgpu);
  const models = await loadModels(ort, {
    read: async (file) => {
      const res = await fetch(new URL(file, base));
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${file}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    threads: self.crossOriginIsolated ? navigator.hardwareConcurrency || 1 : 1,
    webgpu,
    ...(opts.failWebGpu ? { failWebGpu: true } : {}),
  });
  if (models.backend.name === 'wasm' && !models.backend.reason) models.backend.reason = noGpu;
  if (opts.loseWebGpu && models.backend.name === 'webgpu') ((await ort.env.webgpu.device) as { destroy?: () => void } | undefined)?.destroy?.();
  return models;
}
