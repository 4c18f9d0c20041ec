import { ModelError } from '../core/manifest';

/** SHA-256 hex digest (Web Crypto: browsers, workers and node ≥ 20 alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Refuses a model file whose hash is not the manifest's: a corrupted download or swapped weights. */
export async function verifyModel(name: string, bytes: Uint8Array, expected: string): Promise<void> {
  const got = await sha256Hex(bytes);
  if (got !== expected) {
    throw new ModelError(
      `The ${name} model file does not match the manifest (sha256 ${got.slice(0, 12)}… instead of ${expected.slice(0, 12)}…): it is corrupted or was replaced. ` +
        'Reload the page to fetch it again; if this persists, reinstall the app.',
    );
  }
}
