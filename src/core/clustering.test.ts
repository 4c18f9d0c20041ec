import { describe, expect, it } from 'vitest';
import { type Box3, type Candidate, DEFAULT_CLUSTERING, clusterBoxes, dbscan } from './clustering';
import { gaussian, mulberry32 } from './random';

interface Vert {
  c: [number, number, number];
  w: number; // L–R
  d: number; // A–P
  h: number; // S–I
}

/** A column of vertebrae from `top` downwards; heights and gaps as given, lateral offset per level. */
function column(n: number, opts: { h?: (i: number) => number; gap?: number; lateral?: (i: number) => number } = {}): Vert[] {
  const out: Vert[] = [];
  let z = 300;
  for (let i = 0; i < n; i++) {
    const h = opts.h?.(i) ?? 25;
    z -= h / 2;
    out.push({ c: [opts.lateral?.(i) ?? 0, 0, z], w: 40, d: 30, h });
    z -= h / 2 + (opts.gap ?? 8);
  }
  return out;
}

/** What a decent detector returns: one box per vertebra on every slice through it, with noise. */
function detect(verts: Vert[], seed = 1, step = 3): Box3[] {
  const r = mulberry32(seed);
  const n = (s: number): number => s * gaussian(r);
  const boxes: Box3[] = [];
  const xs = verts.map((v) => v.c[0]);
  for (let x = Math.min(...xs) - 30; x <= Math.max(...xs) + 30; x += step) {
    for (const v of verts) {
      if (Math.abs(x - v.c[0]) > v.w * 0.4) continue;
      boxes.push({ centre: [x, v.c[1] + n(1), v.c[2] + n(1)], width: v.d + n(1), height: v.h + n(1), plane: 'sagittal', score: 0.9 });
    }
  }
  for (let y = -20; y <= 20; y += step) {
    for (const v of verts) {
      if (Math.abs(y - v.c[1]) > v.d * 0.4) continue;
      boxes.push({ centre: [v.c[0] + n(1), y, v.c[2] + n(1)], width: v.w + n(1), height: v.h + n(1), plane: 'coronal', score: 0.9 });
    }
  }
  return boxes;
}

/** Each vertebra found exactly once, within `tol` mm, and nothing else. */
function expectMatches(cands: Candidate[], verts: Vert[], tol = 3): void {
  expect(cands).toHaveLength(verts.length);
  const sorted = [...verts].sort((a, b) => b.c[2] - a.c[2]);
  cands.forEach((c, i) => {
    const v = sorted[i]!;
    expect(Math.hypot(c.centre[0] - v.c[0], c.centre[1] - v.c[1], c.centre[2] - v.c[2])).toBeLessThan(tol);
    expect(c.extent[2]).toBeCloseTo(v.h, -0.5);
  });
}

describe('dual-factor density clustering', () => {
  it('DBSCAN: two dense groups and a noise point', () => {
    const { ids } = dbscan([[0, 0, 0], [1, 0, 0], [2, 0, 0], [50, 0, 0], [51, 0, 0], [52, 0, 0], [200, 0, 0]], 1.5, 3);
    expect(Array.from(ids)).toEqual([0, 0, 0, 1, 1, 1, -1]);
  });

  it('a clean lumbar column: one candidate per vertebra, centre and size right', () => {
    const verts = column(5);
    expectMatches(clusterBoxes(detect(verts)), verts);
  });

  it('one vertebra', () => {
    const verts = column(1);
    expectMatches(clusterBoxes(detect(verts)), verts);
  });

  it('26 vertebrae (C1 to L6 with T13), sizes growing downwards, nothing assumed about the count', () => {
    const verts = column(26, { h: (i) => 12 + i * 0.6, gap: 5 });
    expectMatches(clusterBoxes(detect(verts)), verts);
  });

  it('noise boxes scattered through the volume fall out', () => {
    const verts = column(6);
    const r = mulberry32(9);
    const noise: Box3[] = Array.from({ length: 40 }, () => ({
      centre: [(r() - 0.5) * 300, (r() - 0.5) * 300, r() * 400 - 100],
      width: 10 + r() * 40,
      height: 10 + r() * 40,
      plane: r() < 0.5 ? 'sagittal' : 'coronal',
      score: r(),
    }));
    expectMatches(clusterBoxes([...detect(verts), ...noise]), verts);
  });

  it('boxes spanning two vertebrae (on several neighbouring slices) are dropped', () => {
    const verts = column(5);
    const [a, b] = [verts[1]!, verts[2]!];
    const span: Box3[] = [-6, -3, 0, 3, 6].map((x) => ({
      centre: [x, 0, (a.c[2] + b.c[2]) / 2],
      width: 30,
      height: a.c[2] - b.c[2] + 25,
      plane: 'sagittal',
      score: 0.6,
    }));
    expectMatches(clusterBoxes([...detect(verts), ...span]), verts);
  });

  it('partial boxes (the upper half of a vertebra) do not pull its centre', () => {
    const verts = column(4);
    const v = verts[2]!;
    // On every slice through it, the detector also boxes its upper half.
    const partial: Box3[] = detect([v], 5).map((b) => ({ ...b, centre: [b.centre[0], b.centre[1], b.centre[2] + v.h / 4] as [number, number, number], height: v.h / 2 }));
    const cands = clusterBoxes([...detect(verts), ...partial]);
    expectMatches(cands, verts, 1.5);
  });

  it('spanning boxes that bridge a tight cervical column do not merge its vertebrae', () => {
    const verts = column(6, { h: () => 12, gap: 2 });
    const span: Box3[] = verts.slice(0, -1).flatMap((a, i) =>
      [-6, -3, 0, 3, 6].map((x) => ({ centre: [x, 0, (a.c[2] + verts[i + 1]!.c[2]) / 2] as [number, number, number], width: 30, height: 2 * 12 + 2, plane: 'sagittal' as const, score: 0.6 })),
    );
    expectMatches(clusterBoxes([...detect(verts), ...span]), verts);
  });

  it('a cervical column whose boxes chain by position (no spanning box) is split along the spine', () => {
    const verts = column(7, { h: () => 14, gap: 3 }); // 17 mm apart
    const boxes = detect(verts, 5);
    // With ε wide enough for a noisy detector (here 16 mm) the whole column is one position chain.
    expect(dbscan(boxes.map((b) => b.centre), 16, 3).ids.every((id) => id === 0)).toBe(true);
    expectMatches(clusterBoxes(boxes, { ...DEFAULT_CLUSTERING, eps: 16 }), verts);
  });

  it('split-off edges of a vertebra (far lateral cuts after a gap in the slices) are not extra vertebrae', () => {
    const verts = column(3);
    const edges: Box3[] = verts.flatMap((v) => [-34, -31, -28, -25].map((x) => ({ centre: [x, v.c[1], v.c[2]] as [number, number, number], width: 30, height: 25, plane: 'sagittal' as const, score: 0.5 })));
    const wide = verts.map((v) => ({ ...v, w: 70 }));
    expectMatches(clusterBoxes([...detect(wide).filter((b) => b.plane === 'coronal' || b.centre[0] > -12), ...edges]), wide);
  });

  it('two cervical vertebrae almost touching stay two', () => {
    const verts = column(2, { h: () => 12, gap: 3 });
    expectMatches(clusterBoxes(detect(verts)), verts);
  });

  it('a scoliotic column (lateral curve of ±30 mm)', () => {
    const verts = column(12, { lateral: (i) => 30 * Math.sin(i / 3) });
    expectMatches(clusterBoxes(detect(verts, 3)), verts);
  });

  it('a body-centred detector: candidates sit on the bodies, and carry their whole boxes\' centres for stage 2', () => {
    const verts = column(5);
    // Each box's whole-vertebra centre is 12 mm posterior and 8 mm caudal of its body (spinous process).
    const boxes = detect(verts, 2).map((b) => ({ ...b, boxCentre: [b.centre[0], b.centre[1] - 12, b.centre[2] - 8] as [number, number, number] }));
    const cands = clusterBoxes(boxes);
    expectMatches(cands, verts);
    cands.forEach((c) => {
      expect(c.boxCentre[1] - c.centre[1]).toBeCloseTo(-12, 0);
      expect(c.boxCentre[2] - c.centre[2]).toBeCloseTo(-8, 0);
    });
    // Without box centres (a detector peaking on them) the two coincide.
    clusterBoxes(detect(verts, 2)).forEach((c) => expect(c.boxCentre).toEqual(c.centre));
  });

  it('whole-vertebra boxes taller than two pitches keep their neighbours with the body-centred factors', () => {
    const verts = column(6, { h: () => 18, gap: 4 }); // bodies 22 mm apart
    const tall = detect(verts, 4).map((b) => ({ ...b, height: 55 + (b.height - 18) })); // spinous processes included
    const body = { ...DEFAULT_CLUSTERING, duplicateFactor: 0.25, insideFactor: 0.25 };
    const found = clusterBoxes(tall, body);
    expect(found).toHaveLength(6);
    found.forEach((c, i) => expect(Math.abs(c.centre[2] - verts[i]!.c[2])).toBeLessThan(3));
    // The box-centre factors (half a height) take every other vertebra for a duplicate.
    expect(clusterBoxes(tall).length).toBeLessThan(6);
  });

  it('a thoracic column of whole-vertebra boxes 2.5 pitches tall that chains by position is still split per vertebra', () => {
    const verts = column(6, { h: () => 18, gap: 4 }); // bodies 22 mm apart
    const tall = detect(verts, 4).map((b) => ({ ...b, height: 55 + (b.height - 18) }));
    const body = { ...DEFAULT_CLUSTERING, eps: 21, duplicateFactor: 0.25, insideFactor: 0.25 }; // ε wide enough to chain them (a noisy detector)
    expect(dbscan(tall.map((b) => b.centre), body.eps, body.minPts).ids.every((id) => id === 0)).toBe(true);
    const found = clusterBoxes(tall, body);
    expect(found).toHaveLength(6);
    found.forEach((c, i) => expect(Math.abs(c.centre[2] - verts[i]!.c[2])).toBeLessThan(3));
  });

  it('an atlas whose boxes fall apart side by side once the taller boxes bridging them are dropped stays one vertebra', () => {
    const verts = column(5, { h: () => 20, gap: 6 });
    // C1 above: three groups of 20 mm boxes 18 mm apart (lateral masses, arch), joined only by boxes
    // of the axis below it (taller, with the dens) that the size factor removes.
    const z = verts[0]!.c[2] + 26;
    const r = mulberry32(9);
    const atlas: Box3[] = [-18, 0, 18].flatMap((x) => [0, 1, 2, 3].map((k) => ({ centre: [x + k - 1.5, r() - 0.5, z + r() - 0.5] as [number, number, number], width: 40, height: 20 + r(), plane: 'sagittal' as const, score: 0.8 })));
    const bridge: Box3[] = [-12, -7, 7, 12].map((x) => ({ centre: [x, 0, z - 1], width: 40, height: 34, plane: 'sagittal' as const, score: 0.6 }));
    const found = clusterBoxes([...detect(verts), ...atlas, ...bridge], { ...DEFAULT_CLUSTERING, minRelativeSupport: 0.25 });
    expect(found).toHaveLength(6);
    expect(Math.abs(found[0]!.centre[2] - z)).toBeLessThan(2);
    expect(Math.abs(found[0]!.centre[0])).toBeLessThan(3);
  });

  it('atlas and axis in one position cluster, of different heights, are both kept (a second size mode)', () => {
    // C1's boxes ~20 mm tall, C2's ~38 (the dens), their bodies 13 mm apart: with a noisy detector's ε they chain, and
    // keeping only the dominant height dropped one of them whole.
    const verts: Vert[] = [{ c: [0, 0, 300], w: 40, d: 30, h: 20 }, { c: [0, 0, 287], w: 40, d: 30, h: 38 }, ...column(3, { h: () => 16, gap: 4 }).map((v) => ({ ...v, c: [0, 0, v.c[2] - 35] as [number, number, number] }))];
    const boxes = detect(verts, 3);
    const params = { ...DEFAULT_CLUSTERING, eps: 14, duplicateFactor: 0.25, insideFactor: 0.25 }; // the body-centred factors
    expect(new Set(dbscan(boxes.map((b) => b.centre), params.eps, params.minPts).ids).size).toBeLessThan(verts.length);
    expectMatches(clusterBoxes(boxes, params), verts);
  });

  it('weakly supported candidates go, relative to the strong ones, even where they outnumber the vertebrae (pelvis)', () => {
    const verts = column(5);
    const junk: Box3[] = Array.from({ length: 8 }, (_, k) => [0, 1, 2, 3].map((d) => ({ centre: [80 + 40 * (k % 4) + d, 60 * Math.floor(k / 4), -100 - d] as [number, number, number], width: 30, height: 25, plane: 'sagittal' as const, score: 0.5 }))).flat();
    const boxes = [...detect(verts), ...junk];
    expect(clusterBoxes(boxes)).toHaveLength(13);
    expectMatches(clusterBoxes(boxes, { ...DEFAULT_CLUSTERING, minRelativeSupport: 0.25 }), verts);
  });

  it('too little support is not a vertebra', () => {
    const verts = column(3);
    const lone: Box3[] = [0, 3].map((x) => ({ centre: [x, 0, -200], width: 30, height: 25, plane: 'sagittal', score: 0.9 }));
    expect(clusterBoxes([...detect(verts), ...lone], { ...DEFAULT_CLUSTERING, minPts: 2 })).toHaveLength(3);
  });
});
