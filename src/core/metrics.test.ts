import { describe, expect, it } from 'vitest';
import { idRate } from './metrics';

describe('VerSe identification rate', () => {
  const truth = [
    { label: 20, world: [0, 0, 0] as [number, number, number] },
    { label: 21, world: [0, 0, -30] as [number, number, number] },
    { label: 22, world: [0, 0, -60] as [number, number, number] },
    { label: 8, world: [0, 0, 200] as [number, number, number] },
  ];

  it('needs the same label, within 20 mm, and the closest prediction', () => {
    const pred = [
      { label: 20, world: [3, 0, 4] as [number, number, number] }, // 5 mm: identified
      { label: 21, world: [0, 0, -55] as [number, number, number] }, // L2's closest, but 25 mm away; L3's closest (5 mm), but labelled L2
      { label: 22, world: [0, 0, -82] as [number, number, number] }, // right label for L3, but 22 mm away and not its closest
      { label: 8, world: [0, 25, 200] as [number, number, number] }, // right label, 25 mm away
    ];
    const r = idRate(pred, truth);
    expect(r.outcomes.map((o) => o.identified)).toEqual([true, false, false, false]);
    expect(r.outcomes[1]).toMatchObject({ predicted: 21 });
    expect(r.outcomes[1]!.distanceMm).toBeCloseTo(25, 6);
    expect(r.outcomes[2]).toMatchObject({ predicted: 21 });
    expect(r.rate).toBe(0.25);
    expect(r.byRegion.L).toEqual({ identified: 1, total: 3 });
    expect(r.byRegion.T).toEqual({ identified: 0, total: 1 });
  });

  it('counts every vertebra as missed when nothing is predicted', () => {
    const r = idRate([], truth);
    expect(r.identified).toBe(0);
    expect(r.outcomes[0]!.predicted).toBeNull();
  });
});
