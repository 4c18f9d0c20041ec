import { gzipSync } from 'fflate';
import { expect, it } from 'vitest';
import { isScanError } from '../errors';
import { mulberry32 } from '../random';
import { readNifti } from './readNifti';
import { buildNifti } from './testNifti';

/**
 * 1200 seeded mutations of valid NIfTI files (bit flips and random values in the header, random
 * body bytes, cuts, gzip damage, NIfTI-1 and -2): the reader must end every one with a volume or a
 * typed ScanError — never another exception, never a hang.
 */
it('every mutated file ends in a volume or a ScanError, each within 2 s', () => {
  const rand = mulberry32(20261127);
  const int = (n: number): number => Math.floor(rand() * n);
  const bases = [
    buildNifti({ dims: [6, 5, 4], datatype: 4, values: Array.from({ length: 120 }, (_, i) => i * 7 - 300) }),
    buildNifti({ version: 2, dims: [4, 4, 3], datatype: 16, values: Array.from({ length: 48 }, (_, i) => i / 3) }),
    buildNifti({ dims: [5, 5, 5], datatype: 512, littleEndian: false, values: Array.from({ length: 125 }, (_, i) => i) }),
  ];
  let volumes = 0, errors = 0, slowest = 0;
  for (let n = 0; n < 1200; n++) {
    const base = bases[n % bases.length]!;
    let f = Uint8Array.from(base);
    const kind = int(6);
    if (kind === 0) for (let k = 0; k <= int(4); k++) f[int(Math.min(f.length, 540))]! ^= 1 << int(8); // header bit flips
    else if (kind === 1) {
      // A random 16/32-bit value in a header field (dims, datatype, offsets, pixdim, srow …).
      const o = int(Math.min(f.length - 4, 540));
      new DataView(f.buffer).setInt32(o, int(2) ? int(1 << 30) : -int(1 << 20), true);
    } else if (kind === 2) for (let k = 0; k < 20; k++) f[352 + int(Math.max(1, f.length - 352))] = int(256); // body bytes
    else if (kind === 3) f = f.slice(0, int(f.length)); // cut anywhere
    else if (kind === 4) {
      const gz = gzipSync(f);
      gz[int(gz.length)]! ^= 1 << int(8);
      f = int(2) ? gz : gz.slice(0, int(gz.length));
    } else new DataView(f.buffer).setFloat32(int(Math.min(f.length - 4, 540)), [NaN, Infinity, -Infinity, 1e30, -0][int(5)]!, true);
    const t0 = performance.now();
    try {
      readNifti(f);
      volumes++;
    } catch (e) {
      if (!isScanError(e)) throw new Error(`mutation ${n} (kind ${kind}) threw a non-ScanError: ${String(e)}`);
      errors++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  expect(volumes + errors).toBe(1200);
  expect(volumes).toBeGreaterThan(50); // some mutations are harmless: the test exercises both ends
  expect(errors).toBeGreaterThan(300);
  expect(slowest).toBeLessThan(2000);
});
