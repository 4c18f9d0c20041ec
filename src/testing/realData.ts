import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the project checkout. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The real CT data kept beside the project (`../shared/data/real`), never committed. Tests that
 * need it fail with this message when it is absent, rather than passing silently; set
 * SPINECLUE_REAL_DATA to point elsewhere.
 */
export function realDataDir(): string {
  const dir = process.env.SPINECLUE_REAL_DATA ?? join(ROOT, '..', 'shared', 'data', 'real');
  if (!existsSync(dir)) {
    throw new Error(`Real test data not found at ${dir}. Place the shared data folder beside the project (../shared/data/real) or set SPINECLUE_REAL_DATA.`);
  }
  return dir;
}

export function readReal(relPath: string): Uint8Array {
  return new Uint8Array(readFileSync(join(realDataDir(), relPath)));
}
