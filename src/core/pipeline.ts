import { type Candidate, DEFAULT_CLUSTERING, clusterBoxes, type Box3 } from './clustering';
import { type Anchors, anchorsOf } from './anchors/anchors';
import { ScanError } from './errors';
import { entropy } from './fusion';
import { type CanonicalGrid, canonicalGrid, toCanonical } from './geometry/canonical';
import { apply } from './geometry/mat4';
import type { Manifest } from './manifest';
import { type Piece, assembleInstances } from './stages/assemble';
import { bodyCentre } from './stages/bodyCentre';
import { decodeCenterNet, liftBox } from './stages/decode';
import { boxCentre, instanceBoxes, writeIdentifierInput } from './stages/idCrop';
import { dropoutMasks, mcInput, meanSoftmax } from './stages/mcDropout';
import { type ScanSide, measureInstances } from './stages/measure';
import { type Body, GAP_FACTOR, fillsGap, gapMidpoints, key, neighboursOf, pieceBody } from './stages/gaps';
import { oneAtEachLevel, onSpine } from './stages/outliers';
import { dedupe, maskBox, overlap, ownVertebra } from './stages/refine';
import { writeSegInput } from './stages/segCrop';
import { type SliceAxis, denseIndices, extractSlice, sliceIndices, spineRange } from './stages/slices';
import { type InstanceIds, instancesOnSource } from './stages/onSource';
import { orderAlongSpine } from './stages/spineOrder';
import type { Volume } from './volume';

/**
 * SpineCLUE inference, stage by stage, as pure orchestration: the networks come in through
 * `Runner` (ORT sessions in the worker or in node), so the same code runs in the browser, the CLI
 * and the tests. Fusion is not part of the run: it is applied afterwards (src/core/labelling.ts),
 * cheaply and as often as the user moves a slider.
 */
export interface Runner {
  /** [n, 1, u, v] → heat [n, 1, u/s, v/s], size and offset [n, 2, u/s, v/s], and from a body-centred detector shift [n, 2, u/s, v/s]. */
  detect(batch: Float32Array, n: number, u: number, v: number): Promise<{ heat: Float32Array; size: Float32Array; offset: Float32Array; shift?: Float32Array }>;
  /** [n, 2, s, s, s] → prob [n, 1, s, s, s]. */
  segment(batch: Float32Array, n: number, s: number): Promise<Float32Array>;
  /** [n, C, s, s, s] (C = 1 mask, or 2 with the context channel) → embedding [n, e]. */
  encode(batch: Float32Array, n: number, s: number): Promise<Float32Array>;
  /** embedding [n, e] × dropout [n, e] → logits [n, K]. */
  head(embedding: Float32Array, dropout: Float32Array, n: number, e: number): Promise<Float32Array>;
}

export type Stage = 'prepare' | 'localise' | 'segment' | 'identify';
export interface Progress {
  stage: Stage;
  done: number;
  total: number;
}

export interface PipelineOptions {
  onProgress?: (p: Progress) => void;
  /** Checked between network batches: a cancelled run stops with ScanError 'cancelled'. */
  signal?: { readonly aborted: boolean };
  /** MC-dropout seed: same scan, same result. */
  seed?: number;
  /** Clock for stage timings (ms). */
  now?: () => number;
  batch?: { detector?: number; segmenter?: number; encoder?: number };
}

/** One found vertebra before labelling: what fusion and the viewer need. */
export interface FoundVertebra {
  /** Its value in the instance map. */
  id: number;
  /** Mean MC-dropout class probabilities (K) and their entropy (nats). */
  p: number[];
  entropy: number;
  /** Position along the spine (mm from the most cranial), cranial → caudal order of the list. */
  positionMm: number;
  /** Vertebral-body centre and whole-vertebra centre of mass, world RAS mm. */
  bodyCentre: [number, number, number];
  massCentre: [number, number, number];
  volumeMl: number;
  /** Faces of the scan its mask reaches (the scan cuts it there; its volume is only the part inside). */
  cutBy: ScanSide[];
  /** Number of 2D boxes that supported its detection. */
  support: number;
  /** Ribs, pelvis and sacrum beside it, read from the CT around its mask (src/core/anchors); absent from results made before anchors. */
  anchors?: Anchors;
}

export interface Analysis {
  /** Cranial → caudal. */
  vertebrae: FoundVertebra[];
  /** Instance ids on the scan's own grid (0 = background). */
  instances: Volume<InstanceIds>;
  /** Stage 1's candidate centres after clustering, world RAS mm (what its recall is measured on). */
  candidates: [number, number, number][];
  boxes: number;
  /** ms per stage, in total, and inside the networks (in all, and per stage's network: the rest is pre/post-processing). */
  timings: Record<Stage, number> & { total: number; inference: number; localiseInference: number; segmentInference: number; identifyInference: number };
  /** Network work done: input pixels of the detector, crops and head passes (for GFLOPs per scan). */
  work: Work;
}

export interface Work {
  detectorPixels: number;
  segmenterCrops: number;
  encoderCrops: number;
  headPasses: number;
}

/** The runner, timed and counted. */
function metered(runner: Runner, now: () => number, work: Work, timings: Analysis['timings']): Runner {
  const time = async <T>(stage: 'localise' | 'segment' | 'identify', f: () => Promise<T>): Promise<T> => {
    const t = now();
    try {
      return await f();
    } finally {
      timings.inference += now() - t;
      timings[`${stage}Inference`] += now() - t;
    }
  };
  return {
    detect: (b, n, u, v) => ((work.detectorPixels += n * u * v), time('localise', () => runner.detect(b, n, u, v))),
    segment: (b, n, s) => ((work.segmenterCrops += n), time('segment', () => runner.segment(b, n, s))),
    encode: (b, n, s) => ((work.encoderCrops += n), time('identify', () => runner.encode(b, n, s))),
    head: (e, d, n, w) => ((work.headPasses += n), time('identify', () => runner.head(e, d, n, w))),
  };
}

/**
 * One input buffer for all of a loop's batches (the last, smaller one a view of it). A fresh array of
 * megabytes per batch pays its page faults every time (≈ 11 µs a page on this project's VMs, 14 MB
 * per encoder batch); the networks copy their input, so the buffer is free again once a run returns.
 */
function batchBuffer(): (n: number) => Float32Array {
  let buf = new Float32Array(0);
  return (n) => {
    if (buf.length < n) buf = new Float32Array(n);
    return buf.subarray(0, n);
  };
}

const check = (signal: PipelineOptions['signal']): void => {
  if (signal?.aborted) throw new ScanError('cancelled', 'The analysis was cancelled.');
};

export async function analyse(ct: Volume, manifest: Manifest, networks: Runner, opt: PipelineOptions = {}): Promise<Analysis> {
  const now = opt.now ?? Date.now;
  const progress = opt.onProgress ?? (() => undefined);
  const t0 = now();
  const timings = { prepare: 0, localise: 0, segment: 0, identify: 0, total: 0, inference: 0, localiseInference: 0, segmentInference: 0, identifyInference: 0 };
  const work: Work = { detectorPixels: 0, segmenterCrops: 0, encoderCrops: 0, headPasses: 0 };
  const runner = metered(networks, now, work, timings);
  progress({ stage: 'prepare', done: 0, total: 1 });
  const grid = canonicalGrid(ct.dims, ct.affine, manifest.spacing);
  const can = toCanonical(ct, grid, 'linear');
  timings.prepare = now() - t0;
  check(opt.signal);

  let t = now();
  const { boxes, candidates } = await localise(can, manifest, runner, opt);
  timings.localise = now() - t;

  t = now();
  const { ids: canIds, pieces, support } = await segmentAll(can, candidates, manifest, runner, opt);
  timings.segment = now() - t;

  t = now();
  const vertebrae = await identify(canIds, can.data, grid, manifest, runner, opt, support);
  const seg = manifest.models.segmenter;
  const instances = instancesOnSource(grid, canIds, pieces, seg.threshold, seg.edge && { ct: ct.data, canCt: can.data, rule: seg.edge });
  for (const m of measureInstances(instances)) {
    const v = vertebrae.find((x) => x.id === m.id);
    if (v) [v.volumeMl, v.cutBy] = [m.volumeMl, m.cutBy];
  }
  timings.identify = now() - t;
  timings.total = now() - t0;
  return { vertebrae, instances: { ...instances, affine: ct.affine, ...(ct.source ? { source: ct.source } : {}) }, candidates: candidates.map((c) => apply(grid.affine, [c.centre[0] / manifest.spacing, c.centre[1] / manifest.spacing, c.centre[2] / manifest.spacing])), boxes: boxes.length, timings, work };
}

/** Stage 1: slices → detector → boxes in canonical mm → dual-factor clustering. */
export async function localise(can: Volume, manifest: Manifest, runner: Runner, opt: PipelineOptions): Promise<{ boxes: Box3[]; candidates: Candidate[] }> {
  const det = manifest.models.detector;
  const sp = manifest.spacing;
  const per = opt.batch?.detector ?? 8;
  const st = det.decode.stride;
  const boxes: Box3[] = [];
  const survey = ([0, 1] as SliceAxis[]).map((axis) => ({ axis, indices: sliceIndices(can, axis, det.slicesPerPlane) }));
  const total = { n: survey.reduce((n, p) => n + p.indices.length, 0) + 2 * det.maxSlicesPerPlane };
  let done = 0;
  const batch = batchBuffer();
  const runSlices = async (axis: SliceAxis, indices: number[]): Promise<void> => {
    for (let b = 0; b < indices.length; b += per) {
      check(opt.signal);
      const group = indices.slice(b, b + per);
      const slices = group.map((index) => extractSlice(can, axis, index, det.window, det.multiple));
      const { u, v } = slices[0]!; // all slices of one plane share a size
      const input = batch(group.length * u * v); // every value is overwritten below
      slices.forEach((sl, i) => input.set(sl.data, i * u * v));
      const out = await runner.detect(input, group.length, u, v);
      const hh = u / st, hw = v / st, cells = hh * hw;
      group.forEach((index, i) => {
        const heat = out.heat.subarray(i * cells, (i + 1) * cells);
        const size = out.size.subarray(i * 2 * cells, (i + 1) * 2 * cells);
        const off = out.offset.subarray(i * 2 * cells, (i + 1) * 2 * cells);
        const shift = out.shift?.subarray(i * 2 * cells, (i + 1) * 2 * cells);
        for (const b2 of decodeCenterNet(heat, size, off, hh, hw, st, det.decode.threshold, det.decode.topK, shift)) boxes.push(liftBox(b2, axis, index, sp));
      });
      done += group.length;
      opt.onProgress?.({ stage: 'localise', done, total: total.n });
    }
  };
  // Survey: a few slices over all the bone; then dense slices over where its boxes say the spine is.
  for (const { axis, indices } of survey) await runSlices(axis, indices);
  const dense = ([0, 1] as SliceAxis[]).map((axis) => {
    const range = spineRange(boxes.map((b) => b.centre[axis]), sp, can.dims[axis]);
    const seen = new Set(survey[axis]!.indices);
    return { axis, indices: range ? denseIndices(range[0], range[1], det.sliceStepMm / sp, det.maxSlicesPerPlane).filter((i) => !seen.has(i)) : [] };
  });
  total.n = done + dense.reduce((n, p) => n + p.indices.length, 0);
  for (const { axis, indices } of dense) await runSlices(axis, indices);
  return { boxes, candidates: clusterBoxes(boxes, { ...DEFAULT_CLUSTERING, ...manifest.clustering }) };
}

/**
 * Stage 2 (exported for scripts/tuneEdge.ts, which maps one run's cubes onto the scan many ways): per candidate a CT cube + heatmap → probability cube. A mask whose box centre is off the
 * candidate by more than `REFINE_MM` is segmented again around its own centre (once); pieces that
 * are the same vertebra are merged; then one instance map (canonical grid).
 */
const REFINE_MM = 4;

export async function segmentAll(can: Volume, candidates: Candidate[], manifest: Manifest, runner: Runner, opt: PipelineOptions): Promise<{ ids: Uint16Array; pieces: Piece[]; support: number[] }> {
  const th = manifest.models.segmenter.threshold;
  const total = { n: candidates.length };
  let done = 0;
  const onBatch = (n: number): void => {
    done += n;
    opt.onProgress?.({ stage: 'segment', done, total: total.n });
  };
  const more = (n: number): void => void (total.n += n);
  const seg: Segmenting = { can, manifest, runner, opt, onBatch, more };
  opt.onProgress?.({ stage: 'segment', done: 0, total: total.n });
  // The segmenter was trained around whole-vertebra box centres: cut there, not at the body.
  const first = await segmentAt(seg, candidates.map((c) => c.boxCentre.map((x) => x / manifest.spacing) as [number, number, number]));
  const again = await resegmentOffCentre(seg, first);
  // Piece ids are candidate numbers (1-based) until here; instance ids are renumbered after merging.
  const bodyOf = bodies(th);
  const supportOf = (p: Piece): number => candidates[p.id - 1]?.support ?? 0; // gap fills: 0
  let kept = offSpineRemoved(dedupe(ownVertebra(first, again, th), th), bodyOf, supportOf, manifest.spacing);
  await fillGaps(seg, kept, candidates.length, bodyOf);
  kept = offSpineRemoved(kept, bodyOf, supportOf, manifest.spacing);
  const support = kept.map(supportOf);
  const pieces = kept.map((p, i) => ({ ...p, id: i + 1 }));
  return { ids: assembleInstances(can.dims, pieces, th), pieces, support };
}

/** What segmenter runs need, with the progress counters of stage 2. */
interface Segmenting {
  can: Volume;
  manifest: Manifest;
  runner: Runner;
  opt: PipelineOptions;
  onBatch: (n: number) => void;
  /** Announces n more segmenter runs (progress total). */
  more: (n: number) => void;
}

/**
 * Per piece, its mask segmented again around the mask's own box centre when that is more than
 * `REFINE_MM` off where the segmenter was asked (null where it is not).
 */
async function resegmentOffCentre(seg: Segmenting, pieces: readonly Piece[]): Promise<(Piece | null)[]> {
  const { manifest } = seg;
  const moved: { index: number; centre: [number, number, number] }[] = [];
  pieces.forEach((p, i) => {
    const box = maskBox(p, manifest.models.segmenter.threshold);
    if (box && Math.hypot(...box.centre.map((c, a) => (c - p.centre[a]!) * manifest.spacing)) > REFINE_MM) moved.push({ index: i, centre: box.centre });
  });
  seg.more(moved.length);
  const again = await segmentAt(seg, moved.map((m) => m.centre));
  const out: (Piece | null)[] = pieces.map(() => null);
  // The new piece stands for the same candidate: its id (what `support` is looked up by) carries over.
  moved.forEach((m, k) => (out[m.index] = { ...again[k]!, id: pieces[m.index]!.id }));
  return out;
}

/** Each piece's body (stages/gaps.ts), measured once: the checks below ask for it repeatedly. */
function bodies(threshold: number): (p: Piece) => Body | null {
  const seen = new WeakMap<Piece, Body | null>();
  return (p) => {
    if (!seen.has(p)) seen.set(p, pieceBody(p, threshold));
    return seen.get(p)!;
  };
}

/** The pieces whose bodies lie on the spine's line, one at each level (stages/outliers.ts), in their given order. */
function offSpineRemoved(pieces: Piece[], bodyOf: (p: Piece) => Body | null, supportOf: (p: Piece) => number, spacing: number): Piece[] {
  const sorted = pieces.map((p) => ({ p, b: bodyOf(p) })).filter((x): x is { p: Piece; b: Body } => x.b !== null).sort((x, y) => y.b.centre[2] - x.b.centre[2]);
  const level = oneAtEachLevel(sorted.map((x) => x.b.centre.map((c) => c * spacing)), sorted.map((x) => supportOf(x.p)));
  const withBody = level.map((i) => sorted[i]!);
  const keep = new Set(onSpine(withBody.map((x) => x.b.centre.map((c) => c * spacing))).map((i) => withBody[i]!.p));
  return pieces.filter((p) => keep.has(p));
}

/**
 * Segments at the midpoints of gaps that stage 1 left between consecutive vertebrae (see
 * stages/gaps.ts) and adds each mask that is a new vertebra there, refined like the others;
 * repeats while gaps close (a run of two missed vertebrae takes two rounds). Mutates `kept`.
 */
const GAP_ROUNDS = 3;

async function fillGaps(seg: Segmenting, kept: Piece[], firstId: number, bodyOf: (p: Piece) => Body | null): Promise<void> {
  const th = seg.manifest.models.segmenter.threshold;
  const tried = new Set<string>();
  let nextId = firstId + 1;
  for (let round = 0; round < GAP_ROUNDS; round++) {
    const found = kept.map(bodyOf).filter((b): b is Body => b !== null);
    const mids = gapMidpoints(found, GAP_FACTOR, tried);
    if (!mids.length) return;
    mids.forEach((m) => tried.add(key(m)));
    seg.more(mids.length);
    const pieces = await segmentAt(seg, mids);
    // The midpoint estimates a body centre, the segmenter was trained on box centres: where the
    // mask's box centre is elsewhere, try there too, and keep whichever answer fills the gap.
    const again = await resegmentOffCentre(seg, pieces);
    let added = 0;
    for (const [i, p] of pieces.entries()) {
      for (const q of again[i] ? [again[i], p] : [p]) {
        const body = bodyOf(q);
        const nb = body && neighboursOf(body.centre, found);
        if (!body || !nb || !fillsGap(body, nb[0], nb[1]) || kept.some((k) => overlap(k, q, th) > 0.3)) continue;
        q.id = nextId++; // a fresh piece: renumbered in place, so its measured body stays cached
        kept.push(q);
        found.push(body);
        added++;
        break;
      }
    }
    if (!added) return;
  }
}

/** Segmenter runs (batched) around each centre (canonical voxels). */
async function segmentAt({ can, manifest, runner, opt, onBatch }: Segmenting, centres: [number, number, number][]): Promise<Piece[]> {
  const seg = manifest.models.segmenter;
  const s = seg.size, n3 = s * s * s;
  const per = opt.batch?.segmenter ?? 4;
  const pieces: Piece[] = [];
  const batch = batchBuffer();
  for (let b = 0; b < centres.length; b += per) {
    check(opt.signal);
    const group = centres.slice(b, b + per);
    const input = batch(group.length * 2 * n3); // every value is overwritten below
    const origins = group.map((centre, i) => writeSegInput(can, centre, s, seg.window, seg.heatmapSigmaVox, input, i * 2 * n3));
    const prob = await runner.segment(input, group.length, s);
    group.forEach((centre, i) => pieces.push({ id: b + i + 1, origin: origins[i]!, size: s, prob: prob.subarray(i * n3, (i + 1) * n3), centre }));
    onBatch(group.length);
  }
  return pieces;
}

/** Stage 3: mask cubes → encoder once per vertebra → head on N dropout masks → mean p, entropy; and the anchors read from the CT (`ct`, canonical) beside each mask. */
async function identify(ids: Uint16Array, ct: ArrayLike<number>, grid: CanonicalGrid, manifest: Manifest, runner: Runner, opt: PipelineOptions, support: number[]): Promise<FoundVertebra[]> {
  const enc = manifest.models.encoder;
  const head = manifest.models.head;
  const s = enc.size, n3 = s * s * s * (enc.context ? 2 : 1); // values per crop, all channels
  const minVoxels = Math.ceil(1000 / manifest.spacing ** 3); // < 1 ml is a fragment, not a vertebra
  const found = instanceBoxes(ids, grid.dims).filter((b) => b.voxels >= minVoxels);
  const per = opt.batch?.encoder ?? 8;
  const out: FoundVertebra[] = [];
  const batch = batchBuffer();
  opt.onProgress?.({ stage: 'identify', done: 0, total: found.length });
  for (let b = 0; b < found.length; b += per) {
    check(opt.signal);
    const group = found.slice(b, b + per);
    // With mirror averaging, the group's mirrored cubes follow its cubes in the same encoder batch.
    const views = head.mirror ? 2 : 1;
    const input = batch(views * group.length * n3).fill(0); // the cutter writes only the ones
    group.forEach((f, i) => writeIdentifierInput(ids, grid.dims, f.id, boxCentre(f), s, enc.context === true, input, i * n3, head.mirror ? (group.length + i) * n3 : -1));
    const emb = await runner.encode(input, views * group.length, s);
    const e = emb.length / (views * group.length);
    for (let i = 0; i < group.length; i++) {
      const f = group[i]!;
      const passes = head.passes;
      const own = Array.from({ length: views }, (_, v) => emb.subarray((v * group.length + i) * e, (v * group.length + i + 1) * e));
      const mc = mcInput(own, dropoutMasks(passes, e, head.dropoutRate, (opt.seed ?? 0) * 7919 + f.id), passes);
      const logits = await runner.head(mc.x, mc.masks, mc.rows, e);
      const p = meanSoftmax(logits, mc.rows, head.classes);
      const body = bodyCentre(ids, grid.dims, f);
      out.push({
        id: f.id,
        p: Array.from(p),
        entropy: entropy(p),
        positionMm: 0,
        bodyCentre: apply(grid.affine, body.body),
        massCentre: apply(grid.affine, body.mass),
        volumeMl: 0,
        cutBy: [],
        support: support[f.id - 1] ?? 0,
        anchors: anchorsOf(ct, ids, grid.dims, manifest.spacing, f, body),
      });
    }
    opt.onProgress?.({ stage: 'identify', done: Math.min(b + per, found.length), total: found.length });
  }
  const { order, positions } = orderAlongSpine(out.map((v) => v.bodyCentre));
  return order.map((i, n) => ({ ...out[i]!, positionMm: positions[n]! }));
}
