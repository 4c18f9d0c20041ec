import { describe, expect, it } from 'vitest';
import { PAPER_FUSION, shiftPhiSet } from '../fusion';
import { labelVertebrae } from '../labelling';
import type { FoundVertebra } from '../pipeline';
import type { Dims } from '../volume';
import { bodyCentre } from '../stages/bodyCentre';
import { instanceBoxes } from '../stages/idCrop';
import { type Anchors, anchorsOf } from './anchors';
import { anchorLogLikelihood } from './likelihood';

/**
 * A canonical 2 mm grid (RAS) with one "vertebra" (id 1): a body block in front, processes behind,
 * 50 mm wide; soft tissue (40 HU) around; what lies beside or under it is added per test.
 */
function scene(nx: number, extra: (ct: Float32Array, at: (x: number, y: number, z: number) => number, cx: number) => void): { ct: Float32Array; ids: Uint16Array; dims: Dims } {
  const dims: Dims = [nx, 40, 40];
  const n = dims[0] * dims[1] * dims[2];
  const ct = new Float32Array(n).fill(40);
  const ids = new Uint16Array(n);
  const at = (x: number, y: number, z: number): number => x + dims[0] * (y + dims[1] * z);
  const cx = Math.floor(nx / 2);
  for (let z = 15; z < 28; z++)
    for (let y = 8; y < 34; y++)
      for (let x = cx - 12; x <= cx + 12; x++) {
        const body = y >= 20 && Math.abs(x - cx) <= 10;
        const process = y < 20 && (Math.abs(x - cx) <= 3 || (y >= 15 && y <= 17));
        if (!body && !process) continue;
        ids[at(x, y, z)] = 1;
        ct[at(x, y, z)] = 500;
      }
  extra(ct, at, cx);
  return { ct, ids, dims };
}

/** The vertebra's anchors, read as the pipeline reads them (its box and body first). */
const anchorsIn = (s: ReturnType<typeof scene>): Anchors => {
  const box = instanceBoxes(s.ids, s.dims)[0]!;
  return anchorsOf(s.ct, s.ids, s.dims, 2, box, bodyCentre(s.ids, s.dims, box));
};

describe('anatomical anchors', () => {
  it('a rib leaving the vertebra beside its body and running out sideways is a rib; nothing there, with room to see, is none', () => {
    const rib = scene(120, (ct, at, cx) => {
      for (let x = cx + 13; x < cx + 45; x++) for (let z = 20; z < 23; z++) for (let y = 15; y < 18; y++) ct[at(x, y, z)] = 400;
    });
    expect(anchorsIn(rib).ribs).toBe('ribs');
    expect(anchorsIn(rib).pelvis).toBe(false);
    expect(anchorsIn(scene(120, () => undefined)).ribs).toBe('none');
  });

  it('a scan cut close beside the vertebra cannot tell: unknown, not "no ribs"', () => {
    expect(anchorsIn(scene(28, () => undefined)).ribs).toBe('unknown');
  });

  it('a large mass of bone beside the body is the pelvis; with bone under the body too, a sacral segment', () => {
    const beside = (ct: Float32Array, at: (x: number, y: number, z: number) => number, cx: number): void => {
      for (let x = cx + 13; x < cx + 45; x++) for (let z = 10; z < 28; z++) for (let y = 14; y < 30; y++) ct[at(x, y, z)] = 400;
    };
    const pelvis = anchorsIn(scene(120, beside));
    expect([pelvis.pelvis, pelvis.sacrum]).toEqual([true, false]);
    const sacral = anchorsIn(
      scene(120, (ct, at, cx) => {
        beside(ct, at, cx);
        for (let x = cx - 8; x <= cx + 8; x++) for (let z = 8; z < 15; z++) for (let y = 20; y < 34; y++) ct[at(x, y, z)] = 400;
      }),
    );
    expect([sacral.pelvis, sacral.sacrum]).toEqual([true, true]);
  });

  it('ribs favour T1–T12 over lumbar levels; no ribs the reverse; unknown says nothing', () => {
    const none = { reachMm: 0, maskReachMm: 0, roomMm: 0, atEdge: false, volumeMl: 0 };
    const a = (ribs: Anchors['ribs']): Float64Array => anchorLogLikelihood({ ribs, pelvis: false, sacrum: false, sides: [none, none] }, 24);
    const T12 = 18, L1 = 19;
    expect(a('ribs')[T12]! - a('ribs')[L1]!).toBeGreaterThan(2);
    expect(a('none')[L1]! - a('none')[T12]!).toBeGreaterThan(1);
    expect(a('unknown')[T12]).toBeCloseTo(a('unknown')[L1]!, 9);
  });
});

describe('anchors in the labelling', () => {
  const phi = shiftPhiSet(3);
  const side = { reachMm: 0, maskReachMm: 0, roomMm: 0, atEdge: false, volumeMl: 0 };
  /** The identifier one level too high on every vertebra (T12 L1 L2 called T11 T12 L1), unsure. */
  const chain = (withAnchors: boolean): FoundVertebra[] =>
    [17, 18, 19].map((c, i) => {
      const p = new Array(24).fill(0.1 / 21);
      p[c] = 0.5;
      p[c + 1] = 0.4;
      const ribs = i === 0 ? 'ribs' : 'none';
      return { id: i + 1, p, entropy: 1, positionMm: i * 30, bodyCentre: [0, 10, -30 * i], massCentre: [0, -5, -30 * i], volumeMl: 40, cutBy: [], support: 10, ...(withAnchors ? { anchors: { ribs, pelvis: false, sacrum: false, sides: [side, side] } as Anchors } : {}) };
    });

  it('the last rib-bearing vertebra moves a chain the identifier put one level too high to T12, L1, L2', () => {
    expect(labelVertebrae(chain(false), phi, PAPER_FUSION).map((v) => v.name)).toEqual(['T11', 'T12', 'L1']);
    expect(labelVertebrae(chain(true), phi, PAPER_FUSION).map((v) => v.name)).toEqual(['T12', 'L1', 'L2']);
    expect(labelVertebrae(chain(true), phi, PAPER_FUSION, new Map(), 0).map((v) => v.name)).toEqual(['T11', 'T12', 'L1']);
    // "in order" off, each vertebra's own evidence still counts: the rib-less one the identifier called T12 is lumbar
    expect(labelVertebrae(chain(true), phi, { ...PAPER_FUSION, hops: 0, order: false }).map((v) => v.name)).toEqual(['T11', 'L1', 'L1']);
  });
});
