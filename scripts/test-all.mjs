#!/usr/bin/env node
// Runs every test suite in turn: type checks, vitest (node), the production build + Playwright
// (Debian chromium), pytest (training/). Keeps going after a failure so one run shows everything;
// exits non-zero if any suite failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;

const hasPyTests = () => existsSync('training') && readdirSync('training', { recursive: true }).some((f) => /(^|\/)test_[^/]*\.py$/.test(String(f)));

const suites = [
  { name: 'types', cmd: 'npx tsc -p tsconfig.json --noEmit && npx tsc -p src/core/tsconfig.json --noEmit' },
  { name: 'unit', cmd: 'npx vitest run' },
  { name: 'e2e', cmd: 'npx vite build --logLevel warn && npx playwright test' },
  // Exit code 5 is "no tests collected": not a failure while training/ has none yet.
  { name: 'py', cmd: '/usr/bin/python3 -m pytest -q training', ok: [0, 5], when: hasPyTests },
].filter((s) => !only || s.name === only);

const results = [];
for (const s of suites) {
  if (s.when && !s.when()) {
    console.log(`\n=== ${s.name}: no tests yet, skipped ===`);
    continue;
  }
  console.log(`\n=== ${s.name}: ${s.cmd} ===`);
  const t0 = Date.now();
  const r = spawnSync(s.cmd, { shell: true, stdio: 'inherit' });
  const passed = (s.ok ?? [0]).includes(r.status ?? 1);
  results.push({ name: s.name, passed, seconds: Math.round((Date.now() - t0) / 1000) });
}
console.log('\n=== summary ===');
for (const r of results) console.log(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds} s)`);
const failed = results.filter((r) => !r.passed).length;
console.log(`suites: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
