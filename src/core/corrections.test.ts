import { describe, expect, it } from 'vitest';
import { anchorAt, clearCorrection, relabel, shiftAll } from './corrections';
import type { LabelledVertebra } from './labelling';

const v = (id: number, label: number, corrected = false): LabelledVertebra => ({
  id, label, name: '', labelBefore: label, confidence: 0.9, uncertainty: 0.1, fused: [], centroid: [0, 0, -id * 30], volumeMl: 40, cutBy: [], corrected, anchors: null,
});

describe('corrections', () => {
  const seq = [v(4, 18), v(2, 19), v(9, 20), v(1, 21)]; // T11 T12 L1 L2, cranial → caudal

  it('relabels one and clears it again, never mutating the input', () => {
    const a = new Map<number, number>();
    const b = relabel(a, 9, 25);
    expect(a.size).toBe(0);
    expect(b.get(9)).toBe(25);
    expect(clearCorrection(b, 9).size).toBe(0);
  });

  it('shifts every label by one level, within C1–L5, keeping transitional marks', () => {
    expect([...shiftAll(seq, 1).values()]).toEqual([19, 20, 21, 22]);
    expect([...shiftAll([v(1, 1), v(2, 2)], -1).values()]).toEqual([1, 1]);
    expect(shiftAll([v(3, 25, true)], 1).get(3)).toBe(25);
  });

  it('anchors the sequence: "the last one is L5" relabels the rest consecutively', () => {
    const c = anchorAt(seq, 1, 24);
    expect(seq.map((x) => c.get(x.id))).toEqual([21, 22, 23, 24]);
    const top = anchorAt(seq, 4, 2); // first is C2 → C2 C3 C4 C5
    expect(seq.map((x) => c.get(x.id) && top.get(x.id))).toEqual([2, 3, 4, 5]);
    const edge = anchorAt(seq, 2, 1); // second is C1 → the first has no level above C1: left to fusion
    expect(edge.has(4)).toBe(false);
    expect(edge.get(1)).toBe(3);
  });

  it('keeps masks set aside through a shift, and gives them no level in an anchor', () => {
    const withAside = [...seq, v(7, 0)]; // a sacrum piece below L2, set aside by the decoder
    expect(shiftAll(withAside, 1).get(7)).toBe(0);
    expect(shiftAll([...seq, v(7, 0, true)], -1).get(7)).toBe(0);
    const c = anchorAt(withAside, 1, 24); // L2 is really L5: the piece below takes no level
    expect(withAside.map((x) => c.get(x.id))).toEqual([21, 22, 23, 24, undefined]);
  });
});
