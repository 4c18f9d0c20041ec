import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

/** src/core runs unchanged in node, workers and the CLI: no DOM, ORT, React or NiiVue in it. */
it('src/core imports nothing from the DOM, ORT, React or NiiVue', () => {
  const dir = import.meta.dirname;
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  expect(files.length).toBeGreaterThan(5);
  const banned = /from '(react|react-dom|zustand|comlink|onnxruntime-[a-z]+|@niivue\/[a-z0-9]+)(\/[^']*)?'|\b(document|window|navigator)\.|\bnew Worker\(/;
  const offenders = files.filter((f) => banned.test(readFileSync(join(dir, f), 'utf8')));
  expect(offenders).toEqual([]);
});
