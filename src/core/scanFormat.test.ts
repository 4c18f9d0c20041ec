import { gzipSync } from 'fflate';
import { expect, it } from 'vitest';
import { buildNifti } from './nifti/testNifti';
import { sniffFormat } from './scanFormat';

it('tells NIfTI (plain, gzipped, v2, big-endian), DICOM and anything else apart', () => {
  expect(sniffFormat(buildNifti({}).subarray(0, 132))).toBe('nifti');
  expect(sniffFormat(buildNifti({ version: 2 }).subarray(0, 132))).toBe('nifti');
  expect(sniffFormat(buildNifti({ littleEndian: false }).subarray(0, 132))).toBe('nifti');
  expect(sniffFormat(gzipSync(buildNifti({})).subarray(0, 132))).toBe('nifti');
  const dicom = new Uint8Array(200);
  dicom.set([0x44, 0x49, 0x43, 0x4d], 128);
  expect(sniffFormat(dicom)).toBe('dicom');
  expect(sniffFormat(new TextEncoder().encode('%PDF-1.7 ...'.padEnd(200, ' ')))).toBe('unknown');
  expect(sniffFormat(new Uint8Array(0))).toBe('unknown');
});
