/** Arguments of the scripts that study an eval dump: `DUMP.json [--phi fusion.json]`. */
import { readFileSync } from 'node:fs';
import type { PhiSet } from '../../src/core/fusion';
import { parsePhi } from '../../src/core/manifest';

/** The dump's parsed cases and φ (the shipped `public/models/fusion.json` unless `--phi` names another). */
export function readDumpArgs<T>(argv: readonly string[], script: string): { cases: T[]; phi: PhiSet } {
  const at = argv.indexOf('--phi');
  const dump = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--phi');
  if (!dump) throw new Error(`usage: tsx scripts/${script} DUMP.json [--phi fusion.json]`);
  const phi = parsePhi(JSON.parse(readFileSync(at >= 0 ? argv[at + 1]! : 'public/models/fusion.json', 'utf8')));
  return { cases: JSON.parse(readFileSync(dump, 'utf8')) as T[], phi };
}
