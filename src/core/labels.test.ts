import { expect, it } from 'vitest';
import { CLASS_COUNT, classToLabel, labelColour, labelName, labelToClass, region } from './labels';

it('names every VerSe label, maps network classes both ways, and knows the region', () => {
  expect([1, 7, 8, 19, 20, 24, 25, 28].map(labelName)).toEqual(['C1', 'C7', 'T1', 'T12', 'L1', 'L5', 'L6', 'T13']);
  expect(labelName(26)).toBe('?');
  for (let c = 0; c < CLASS_COUNT; c++) expect(labelToClass(classToLabel(c))).toBe(c);
  expect(labelToClass(25)).toBe(-1);
  expect([7, 8, 19, 28, 20, 25].map(region)).toEqual(['C', 'T', 'T', 'T', 'L', 'L']);
});

it('gives neighbouring levels visibly different colours', () => {
  for (let l = 1; l < 24; l++) {
    const [a, b] = [labelColour(l), labelColour(l + 1)];
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]), `${labelName(l)}/${labelName(l + 1)}`).toBeGreaterThan(60);
  }
});
