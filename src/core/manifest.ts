import type { ClusterParams } from './clustering';
import { type FusionParams, PAPER_FUSION, type PhiSet } from './fusion';
import { CLASS_COUNT } from './labels';
import type { Window } from './stages/slices';
import type { BoneEdge } from './stages/boneEdge';

/**
 * public/models/manifest.json: what each model expects and how to read its outputs. Everything the
 * pipeline needs to know about a model comes from here (never hard-coded twice), so new weights
 * are a manifest edit. Written by training/ship.py.
 */
export interface ModelEntry {
  file: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  version: string;
  /** Isotropic canonical spacing (mm) every stage works at. */
  spacing: number;
  models: {
    detector: ModelEntry & {
      window: Window;
      multiple: number;
      /** Survey slices per plane over the bone; then slices every `sliceStepMm` over where the spine is, at most `maxSlicesPerPlane`. */
      slicesPerPlane: number;
      sliceStepMm: number;
      maxSlicesPerPlane: number;
      /** centre 'body': peaks on vertebral bodies, with a `shift` output to the whole box's centre; else peaks on box centres. */
      decode: { stride: number; threshold: number; topK: number; centre?: 'box' | 'body' };
    };
    /** `edge`: the threshold moved by each boundary voxel's HU on the scan's grid (stages/boneEdge.ts); absent, 0.5 alone. */
    segmenter: ModelEntry & { size: number; window: Window; heatmapSigmaVox: number; threshold: number; edge?: BoneEdge };
    /** `context`: a second input channel, the other vertebrae's masks in the same cube (the neighbours' shapes). */
    encoder: ModelEntry & { size: number; embedding: number; context?: boolean };
    /** `mirror`: each vertebra's probabilities averaged with its left–right mirrored crop's (φ was learned on such outputs). */
    head: ModelEntry & { classes: number; dropoutRate: number; passes: number; mirror?: boolean };
  };
  fusion: { file: string; sha256: string; defaults: FusionParams };
  clustering?: Partial<ClusterParams>;
}

export type ModelName = keyof Manifest['models'];
export const MODEL_NAMES: readonly ModelName[] = ['detector', 'segmenter', 'encoder', 'head'];

/** A model file or manifest that cannot be used; the message says what and what to do. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (o: Record<string, unknown>, k: string, where: string): number => {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelError(`manifest.json: ${where}.${k} must be a number`);
  return v;
};
const str = (o: Record<string, unknown>, k: string, where: string): string => {
  const v = o[k];
  if (typeof v !== 'string' || !v) throw new ModelError(`manifest.json: ${where}.${k} must be a string`);
  return v;
};

/** Checks the fields the pipeline relies on; throws ModelError naming the first bad one. */
export function parseManifest(json: unknown): Manifest {
  if (!isObj(json) || !isObj(json.models) || !isObj(json.fusion)) throw new ModelError('manifest.json is not a SpineCLUE model manifest (no "models"/"fusion").');
  const m = json as unknown as Manifest;
  if (num(json, 'spacing', 'manifest') <= 0) throw new ModelError('manifest.json: spacing must be positive');
  for (const name of MODEL_NAMES) {
    const e = (json.models as Record<string, unknown>)[name];
    if (!isObj(e)) throw new ModelError(`manifest.json: models.${name} is missing`);
    str(e, 'file', `models.${name}`);
    if (!/^[0-9a-f]{64}$/.test(str(e, 'sha256', `models.${name}`))) throw new ModelError(`manifest.json: models.${name}.sha256 is not a SHA-256 hex digest`);
  }
  const d = json.models.detector as Record<string, unknown>;
  num(d, 'multiple', 'models.detector');
  num(d, 'slicesPerPlane', 'models.detector');
  d.sliceStepMm ??= 3;
  d.maxSlicesPerPlane ??= 96;
  num(d, 'sliceStepMm', 'models.detector');
  num(d, 'maxSlicesPerPlane', 'models.detector');
  if (!isObj(d.window) || !isObj(d.decode)) throw new ModelError('manifest.json: models.detector needs window and decode');
  if (d.decode.centre !== undefined && d.decode.centre !== 'box' && d.decode.centre !== 'body') throw new ModelError('manifest.json: models.detector.decode.centre must be "box" or "body"');
  const s = json.models.segmenter as Record<string, unknown>;
  num(s, 'size', 'models.segmenter');
  num(s, 'heatmapSigmaVox', 'models.segmenter');
  const threshold = num(s, 'threshold', 'models.segmenter');
  if (s.edge !== undefined) {
    const e = s.edge as Record<string, unknown>;
    const iv = isObj(e) ? e.interiorHu : null;
    const ok = isObj(e) && [e.hu, e.widthHu, e.weight].every((x) => typeof x === 'number' && Number.isFinite(x)) && (e.widthHu as number) > 0 &&
      (e.weight as number) >= 0 && (e.weight as number) < Math.min(threshold, 1 - threshold) &&
      Array.isArray(iv) && iv.length === 2 && iv.every((x) => typeof x === 'number' && Number.isFinite(x)) && iv[1] > iv[0];
    if (!ok) throw new ModelError('manifest.json: models.segmenter.edge needs numbers hu, widthHu > 0, weight in [0, min(threshold, 1 − threshold)) and interiorHu [low, high]');
  }
  const enc = json.models.encoder as Record<string, unknown>;
  num(enc, 'size', 'models.encoder');
  if (enc.context !== undefined && typeof enc.context !== 'boolean') throw new ModelError('manifest.json: models.encoder.context must be true or false');
  const h = json.models.head as Record<string, unknown>;
  if (num(h, 'classes', 'models.head') !== CLASS_COUNT) throw new ModelError(`manifest.json: the head must have ${CLASS_COUNT} classes`);
  const rate = num(h, 'dropoutRate', 'models.head');
  if (rate < 0 || rate >= 1) throw new ModelError('manifest.json: models.head.dropoutRate must be in [0, 1)');
  num(h, 'passes', 'models.head');
  if (h.mirror !== undefined && typeof h.mirror !== 'boolean') throw new ModelError('manifest.json: models.head.mirror must be true or false');
  str(json.fusion, 'file', 'fusion');
  m.fusion.defaults = { ...PAPER_FUSION, ...(isObj(json.fusion.defaults) ? (json.fusion.defaults as Partial<FusionParams>) : {}) };
  return m;
}

/** fusion.json → φ_d per signed offset (K × K, row = neighbour's class, column = mine). */
export function parsePhi(json: unknown): PhiSet {
  if (!isObj(json) || !isObj(json.offsets)) throw new ModelError('fusion.json has no "offsets".');
  const out = new Map<number, Float64Array>();
  for (const [k, v] of Object.entries(json.offsets)) {
    const d = Number(k);
    if (!Number.isInteger(d) || d === 0 || !Array.isArray(v) || v.length !== CLASS_COUNT * CLASS_COUNT || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      throw new ModelError(`fusion.json: offset ${k} must be a non-zero integer with ${CLASS_COUNT}×${CLASS_COUNT} non-negative numbers`);
    }
    out.set(d, Float64Array.from(v as number[]));
  }
  if (!out.size) throw new ModelError('fusion.json has no matrices.');
  return out;
}
