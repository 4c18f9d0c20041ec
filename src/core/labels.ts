/**
 * VerSe vertebra labels: the one table of ids, names and colours. Network classes 0–23 are
 * VerSe 1–24 (C1…L5); 25 (L6) and 28 (T13) are transitional vertebrae, marked by the user.
 */
export const CLASS_COUNT = 24;

/** Label of a mask that is not one of the spine's vertebrae (set aside by the sequence decoding or the user). */
export const SET_ASIDE = 0;

const NAMES: Record<number, string> = { [SET_ASIDE]: 'not a vertebra', 25: 'L6', 28: 'T13' };
for (let i = 1; i <= 7; i++) NAMES[i] = `C${i}`;
for (let i = 1; i <= 12; i++) NAMES[i + 7] = `T${i}`;
for (let i = 1; i <= 5; i++) NAMES[i + 19] = `L${i}`;

/** Name of a VerSe label ("C1", "T12", "L6"); "?" for anything else. */
export function labelName(label: number): string {
  return NAMES[label] ?? '?';
}

export type Region = 'C' | 'T' | 'L';

export function region(label: number): Region {
  if (label <= 7) return 'C';
  if (label <= 19 || label === 28) return 'T';
  return 'L';
}

/** VerSe label of network class c (0–23). */
export function classToLabel(c: number): number {
  return c + 1;
}

/** Network class of a VerSe label, or -1 for transitional labels the networks do not predict. */
export function labelToClass(label: number): number {
  return label >= 1 && label <= CLASS_COUNT ? label - 1 : -1;
}

/** A distinct colour per level (RGB 0–255), cycling hues within each region so neighbours differ. */
export function labelColour(label: number): [number, number, number] {
  const base = { C: 200, T: 110, L: 20 }[region(label)];
  const hue = (base + ((label * 47) % 90)) % 360;
  return hslToRgb(hue, 0.75, label % 2 ? 0.55 : 0.42);
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(255 * f(0)), Math.round(255 * f(8)), Math.round(255 * f(4))];
}
