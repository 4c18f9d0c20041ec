import { describe, expect, it } from 'vitest';
import { ModelError } from '../core/manifest';
import { sha256Hex, verifyModel } from './integrity';

describe('model integrity', () => {
  it('hashes with SHA-256', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses a file whose hash differs from the manifest, saying what to do', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    await expect(verifyModel('detector', bytes, await sha256Hex(bytes))).resolves.toBeUndefined();
    bytes[1] = 9;
    const err = verifyModel('detector', bytes, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await expect(err).rejects.toThrow(ModelError);
    await expect(err).rejects.toThrow(/detector model file does not match the manifest.*Reload/);
  });
});
