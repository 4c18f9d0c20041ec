import { median, quantile } from './median';

/**
 * Dual-factor density clustering (SpineCLUE §3.1): 2D detections from sagittal and coronal
 * slices, lifted to 3D, become one candidate per vertebra without assuming how many there are.
 *
 * 1. Position factor: DBSCAN over the detected centres (radius ε, mm) — vertebral-body centres
 *    for the shipped detector. A box's density is ρ = N_ε / l (neighbours within ε over the size
 *    of its cluster); noise boxes fall out.
 * 2. Size factor: inside each cluster, split the boxes by mode of height (each mode with a
 *    vertebra's support: the atlas and the axis can share a cluster) and keep the dominant mode of
 *    width per plane, dropping boxes that span two vertebrae (≈ 2× height) or cover part of one;
 *    then re-cluster by position, since spanning boxes may have bridged two vertebrae.
 *    Chained neighbours are split at the modes of their S–I centres (`splitAlongSpine`); pieces
 *    side by side at one S–I level are joined first (`sameLevel`).
 * 3. Candidates with too little support are dropped; one whose centre lies within
 *    `duplicateFactor` × its own height of a better-supported candidate, or whose box centre lies
 *    inside the middle (`insideFactor`) of that one's box, is a duplicate (a spanning cluster, or
 *    the split-off edge of a vertebra) and goes too. Whole-vertebra boxes are ~2.5 pitches tall in
 *    the thoracic spine: the manifest sets both factors low for them.
 */
export interface Box3 {
  /** Detected centre in canonical world mm (x → R, y → A, z → S): the vertebral body's for a
   * body-centred detector (bodies are compact and one pitch apart: what clustering separates). */
  centre: readonly [number, number, number];
  /** Centre of the whole vertebra's box (processes included), where stage 2 cuts its cube;
   * absent where the detector peaks on that centre itself. */
  boxCentre?: readonly [number, number, number];
  /** In-plane horizontal size, mm: A–P on sagittal slices, L–R on coronal ones. */
  width: number;
  /** Superior–inferior size, mm. */
  height: number;
  plane: 'sagittal' | 'coronal';
  score: number;
}

export interface ClusterParams {
  /** DBSCAN radius, mm. */
  eps: number;
  /** DBSCAN core-point threshold (neighbours within ε, the box included). */
  minPts: number;
  /** Relative size tolerance around the dominant mode (0.25 = ±25 %). */
  sizeTolerance: number;
  /** Fewest kept boxes for a vertebra. */
  minSupport: number;
  /** A weaker candidate closer than this × its height to a stronger one is a duplicate of it. */
  duplicateFactor: number;
  /** …or whose box centre lies within this × the stronger one's extent of its box centre (0: off). */
  insideFactor: number;
  /** Fewest kept boxes relative to the upper quartile of the candidates' (0: off): a vertebra is cut by many slices, a
   * rib end or a piece of pelvis that the detector mistook for one by few. */
  minRelativeSupport: number;
}

export const DEFAULT_CLUSTERING: ClusterParams = { eps: 9, minPts: 3, sizeTolerance: 0.25, minSupport: 4, duplicateFactor: 0.5, insideFactor: 0.5, minRelativeSupport: 0 };

export interface Candidate {
  /** Robust (median) detected centre of the kept boxes, canonical world mm. */
  centre: [number, number, number];
  /** Robust (median) centre of their whole-vertebra boxes, canonical world mm. */
  boxCentre: [number, number, number];
  /** Extent L–R, A–P, S–I in mm (medians of the kept boxes). */
  extent: [number, number, number];
  /** Number of kept boxes. */
  support: number;
  /** Mean ρ of the kept boxes. */
  density: number;
}

function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

/** DBSCAN; returns a cluster id per box (−1 = noise) and each box's neighbour count. */
export function dbscan(points: readonly (readonly number[])[], eps: number, minPts: number): { ids: Int32Array; counts: Int32Array } {
  const n = points.length;
  const neighbours: number[][] = points.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dist(points[i]!, points[j]!) <= eps) {
        neighbours[i]!.push(j);
        neighbours[j]!.push(i);
      }
    }
  }
  const counts = Int32Array.from(neighbours, (nb) => nb.length + 1);
  const ids = new Int32Array(n).fill(-2); // −2 unvisited
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (ids[i] !== -2) continue;
    if (counts[i]! < minPts) {
      ids[i] = -1;
      continue;
    }
    const id = next++;
    ids[i] = id;
    const queue = [...neighbours[i]!];
    while (queue.length) {
      const j = queue.pop()!;
      if (ids[j] === -1) ids[j] = id; // border point
      if (ids[j] !== -2) continue;
      ids[j] = id;
      if (counts[j]! >= minPts) queue.push(...neighbours[j]!);
    }
  }
  return { ids, counts };
}

/** Boxes whose `size` is within tolerance of the densest size among them. */
function dominantMode<T>(items: T[], size: (t: T) => number, tol: number): T[] {
  if (items.length < 3) return items;
  const logs = items.map((t) => Math.log(Math.max(size(t), 1e-6)));
  const band = Math.log(1 + tol);
  let best = 0;
  let bestCount = -1;
  logs.forEach((l, i) => {
    const c = logs.filter((m) => Math.abs(m - l) <= band).length;
    if (c > bestCount) [best, bestCount] = [i, c];
  });
  // Centre the band on the members' mean, not on one box that happens to be densest.
  const members = logs.filter((m) => Math.abs(m - logs[best]!) <= band);
  const mode = members.reduce((a, b) => a + b, 0) / members.length;
  return items.filter((_, i) => Math.abs(logs[i]! - mode) <= band);
}

function summarise(boxes: Box3[], rho: number[]): Candidate {
  const sag = boxes.filter((b) => b.plane === 'sagittal');
  const cor = boxes.filter((b) => b.plane === 'coronal');
  // A box fixes the two in-plane coordinates; its slice position only says where it was cut. So
  // L–R comes from coronal boxes and A–P from sagittal ones whenever there are any.
  const xs = (cor.length ? cor : boxes).map((b) => b.centre[0]);
  const ys = (sag.length ? sag : boxes).map((b) => b.centre[1]);
  const bc = (b: Box3): readonly number[] => b.boxCentre ?? b.centre;
  const bx = (cor.length ? cor : boxes).map((b) => bc(b)[0]!);
  const by = (sag.length ? sag : boxes).map((b) => bc(b)[1]!);
  // L–R extent from coronal widths; without them, from the spread of sagittal slice positions.
  const lr = cor.length ? median(cor.map((b) => b.width)) : Math.max(...xs) - Math.min(...xs);
  const ap = sag.length ? median(sag.map((b) => b.width)) : Math.max(...ys) - Math.min(...ys);
  return {
    centre: [median(xs), median(ys), median(boxes.map((b) => b.centre[2]))],
    boxCentre: [median(bx), median(by), median(boxes.map((b) => bc(b)[2]!))],
    extent: [lr, ap, median(boxes.map((b) => b.height))],
    support: boxes.length,
    density: rho.reduce((a, b) => a + b, 0) / Math.max(rho.length, 1),
  };
}

/**
 * Neighbouring vertebrae of a tight (cervical, thoracic) column can chain into one position
 * cluster: detected centres scatter by a few mm along S–I, so DBSCAN finds no empty ε-gap between
 * them. Each vertebra's boxes still pile up around its own S–I centre:
 * split the cluster at the modes of the score-weighted density of the boxes' S–I centres (Gaussian
 * kernel, `BANDWIDTH` × the median box height), modes closer than `MODE_GAP` × that height being
 * one; each box goes to its nearest mode.
 */
const BANDWIDTH = 0.12;
// Under one pitch at every level: whole-vertebra boxes are ~1.4 pitches tall in the cervical spine
// and ~2.5 in the thoracic (processes included), so half a height merged thoracic neighbours.
const MODE_GAP = 0.3;

function splitAlongSpine(part: number[], boxes: readonly Box3[]): number[][] {
  if (part.length < 2) return [part];
  const h = median(part.map((i) => boxes[i]!.height));
  const zs = part.map((i) => boxes[i]!.centre[2]);
  const ws = part.map((i) => boxes[i]!.score);
  const bw = Math.max(1, BANDWIDTH * h);
  const lo = Math.min(...zs) - 2 * bw, hi = Math.max(...zs) + 2 * bw;
  const step = 0.5; // mm
  const n = Math.ceil((hi - lo) / step) + 1;
  const dens = new Float64Array(n);
  zs.forEach((z, k) => {
    const a = Math.max(0, Math.floor((z - 3 * bw - lo) / step)), b = Math.min(n - 1, Math.ceil((z + 3 * bw - lo) / step));
    for (let t = a; t <= b; t++) dens[t] = dens[t]! + ws[k]! * Math.exp(-0.5 * ((lo + t * step - z) / bw) ** 2);
  });
  // Local maxima, strongest first; a weaker one within MODE_GAP·h of a kept one is the same vertebra.
  const peaks: number[] = [];
  for (let t = 0; t < n; t++) if (dens[t]! > 0 && (t === 0 || dens[t]! >= dens[t - 1]!) && (t === n - 1 || dens[t]! > dens[t + 1]!)) peaks.push(t);
  peaks.sort((a, b) => dens[b]! - dens[a]!);
  const modes: number[] = [];
  for (const t of peaks) if (modes.every((m) => Math.abs(m - (lo + t * step)) >= MODE_GAP * h)) modes.push(lo + t * step);
  if (modes.length < 2) return [part];
  const out: number[][] = modes.map(() => []);
  part.forEach((i, k) => {
    let best = 0;
    modes.forEach((m, j) => Math.abs(zs[k]! - m) < Math.abs(zs[k]! - modes[best]!) && (best = j));
    out[best]!.push(i);
  });
  return out.filter((o) => o.length);
}

/** Parts of one position cluster whose S–I centres lie closer than this × their box height are one vertebra. */
const LEVEL_GAP = 0.25;

/**
 * Re-clustering without the spanning boxes can also cut one vertebra into pieces side by side (the
 * atlas: lateral masses and arches with nothing between them but the boxes the size factor
 * dropped). Pieces at one S–I level are one vertebra; alone each could fall under the support floor.
 */
function sameLevel(parts: number[][], boxes: readonly Box3[]): number[][] {
  if (parts.length < 2) return parts;
  const h = median(parts.flat().map((i) => boxes[i]!.height));
  const level = (p: number[]): number => median(p.map((i) => boxes[i]!.centre[2]));
  const out: number[][] = [];
  for (const p of [...parts].sort((a, b) => b.length - a.length)) {
    const same = out.find((q) => Math.abs(level(q) - level(p)) < LEVEL_GAP * h);
    if (same) same.push(...p);
    else out.push([...p]);
  }
  return out;
}

/**
 * A weaker cluster whose box centre lies inside the middle of a stronger candidate's box (f of its
 * extent each way) is a piece of that vertebra: the far lateral, anterior or posterior cuts, which
 * a gap in the slices split off.
 */
function inside(p: readonly number[], a: Candidate, f: number): boolean {
  return Math.abs(p[0]! - a.boxCentre[0]) < f * a.extent[0] && Math.abs(p[1]! - a.boxCentre[1]) < f * a.extent[1] && Math.abs(p[2]! - a.boxCentre[2]) < f * a.extent[2];
}

/**
 * The size factor's modes of box height in one position cluster, the dominant first. Two vertebrae
 * of different height can share a cluster (the atlas, ~20 mm, and the axis, 30–44 mm with the
 * dens, whose bodies lie ~15 mm apart): keeping only the dominant mode dropped one of them whole.
 * A further mode is kept when it has the support of a vertebra; boxes spanning two vertebrae peak on
 * one of their bodies, so a mode of them lands on a stronger candidate and goes as its duplicate.
 */
function heightModes(members: number[], boxes: readonly Box3[], params: ClusterParams): number[][] {
  const modes: number[][] = [];
  let rest = members;
  while (rest.length) {
    const mode = dominantMode(rest, (i) => boxes[i]!.height, params.sizeTolerance);
    if (modes.length && mode.length < params.minSupport) break;
    modes.push(mode);
    rest = rest.filter((i) => !mode.includes(i));
  }
  return modes;
}

/** One candidate per vertebra, cranial → caudal. */
export function clusterBoxes(boxes: readonly Box3[], params: ClusterParams = DEFAULT_CLUSTERING): Candidate[] {
  const { ids, counts } = dbscan(boxes.map((b) => b.centre), params.eps, params.minPts);
  const groups = new Map<number, number[]>();
  ids.forEach((id, i) => id >= 0 && groups.set(id, [...(groups.get(id) ?? []), i]));
  const raw: Candidate[] = [];
  for (const members of groups.values()) {
    // Size factor: each mode of height (the dominant first), then the dominant width within each plane.
    for (const mode of heightModes(members, boxes, params)) {
      const kept = (['sagittal', 'coronal'] as const).flatMap((pl) => dominantMode(mode.filter((i) => boxes[i]!.plane === pl), (i) => boxes[i]!.width, params.sizeTolerance));
      // Spanning boxes removed: what they bridged may now fall apart.
      const sub = dbscan(kept.map((i) => boxes[i]!.centre), params.eps, params.minPts);
      const parts = new Map<number, number[]>();
      sub.ids.forEach((id, k) => id >= 0 && parts.set(id, [...(parts.get(id) ?? []), kept[k]!]));
      for (const part of sameLevel([...parts.values()], boxes).flatMap((p) => splitAlongSpine(p, boxes))) {
        if (part.length < params.minSupport) continue;
        raw.push(summarise(part.map((i) => boxes[i]!), part.map((i) => counts[i]! / members.length)));
      }
    }
  }
  raw.sort((a, b) => b.support - a.support);
  // Relative to the upper quartile, not the median: a scan down to the pelvis can hold more false candidates than vertebrae.
  const floor = raw.length ? params.minRelativeSupport * quantile(raw.map((c) => c.support), 0.75) : 0;
  const accepted: Candidate[] = [];
  for (const c of raw) {
    if (c.support < floor) continue;
    if (accepted.some((a) => dist(a.centre, c.centre) < params.duplicateFactor * c.extent[2] || inside(c.boxCentre, a, params.insideFactor))) continue;
    accepted.push(c);
  }
  return accepted.sort((a, b) => b.centre[2] - a.centre[2]);
}
