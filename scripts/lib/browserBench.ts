/** The built app in headless Chromium (WASM, threads on): per-case runs, repaint latency, memory. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Analysis } from '../../src/core/pipeline';
import { CHROMIUM_ARGS } from '../../playwright.config';
import type { BenchCase, RunRecord } from '../bench';
import { ROOT } from './nodeRuntime';

const PORT = 4188;

/** One slider move: total ms to the frame after the recolour, and its parts. */
export interface Repaint {
  total: number;
  /** Fusion, sequence decoding and the React re-render. */
  render: number;
  /** NiiVue rebuilding the overlay layer. */
  recolour: number;
}

async function serve(): Promise<ChildProcess> {
  // vite itself, not through npx: killing npx left vite serving, and the next bench's --strictPort
  // server failed while this stale one answered its requests with the previous build.
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  // A server already on the port would answer for ours, with whatever build it serves.
  if (await fetch(`http://127.0.0.1:${PORT}/`).then(() => true, () => false)) throw new Error(`port ${PORT} is in use: stop what serves it (a bench that did not finish?)`);
  const p = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { cwd: ROOT, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (p.exitCode !== null) throw new Error(`vite preview exited (${p.exitCode}): is port ${PORT} in use?`);
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) return p;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

/** A big scan dropped into the app: seconds to its image, to its labels, and the analysis's own share. */
export interface BigDrop {
  shown: number;
  labelled: number;
  analysis: number;
}

export async function browserBench(cases: BenchCase[], runs: number, big?: string): Promise<{ threads: number; runs: Record<string, RunRecord[]>; repaint: Repaint[]; bigDrop?: BigDrop }> {
  const server = await serve();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
  const out: Record<string, RunRecord[]> = {};
  const repaint: Repaint[] = [];
  let threads = 0;
  let bigDrop: BigDrop | undefined;
  try {
    // No service worker: its first-visit precache (~80 MB hashed) would share the CPU with run 1.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    // One tab for every case, each scan dropped `runs` times: as a radiologist reads scan after scan, and
    // as the node modes run (one process). The very first run is cold (fresh worker, JIT, sessions).
    await page.goto(`http://127.0.0.1:${PORT}/?empty`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    for (const c of cases) {
      out[c.name] = [];
      for (let r = 0; r < runs; r++) {
        const before = await page.evaluate(() => document.querySelector('[data-testid=timings]')?.getAttribute('data-timings') ?? null);
        await page.getByTestId('file-input').setInputFiles(c.path);
        await page.waitForFunction((prev) => {
          const done = document.querySelector('[data-testid=analysis][data-status=done]');
          const t = document.querySelector('[data-testid=timings]')?.getAttribute('data-timings');
          return !!done && !!t && t !== prev;
        }, before, { timeout: 300_000 });
        const timings = JSON.parse((await page.getByTestId('timings').getAttribute('data-timings'))!) as Analysis['timings'];
        const work = JSON.parse((await page.getByTestId('timings').getAttribute('data-work'))!) as Analysis['work'];
        const vertebrae = await page.getByTestId('vertebra-row').count();
        threads = Number(/(\d+) thread/.exec((await page.getByTestId('backend').textContent()) ?? '')?.[1] ?? 0);
        // JS heap of page + workers, once per case (the measurement waits for a GC).
        const heap = r > 0 ? (out[c.name]![0]?.rssMb ?? 0) * 2 ** 20 : await page.evaluate(async () => {
          const p = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>; memory?: { usedJSHeapSize: number } };
          try {
            if (p.measureUserAgentSpecificMemory && crossOriginIsolated) return (await Promise.race([p.measureUserAgentSpecificMemory(), new Promise<never>((_, j) => setTimeout(() => j(new Error('slow')), 20_000))])).bytes;
          } catch {
            /* fall back to the main thread's heap */
          }
          return p.memory?.usedJSHeapSize ?? 0;
        });
        out[c.name]!.push({ timings, work, vertebrae, rssMb: heap / 2 ** 20 });
        process.stderr.write(`browser ${c.name} run ${r + 1}: ${(timings.total / 1000).toFixed(1)} s\n`);
        if (r === 0 && c === cases[0]) {
          // Slider → repaint: move θ, wait for the measure taken in the frame after the recolour.
          for (const v of ['0.2', '0.3', '0.15', '0.1', '0.25']) {
            await page.getByTestId('fusion-theta').fill(v);
            await page.waitForFunction((n) => performance.getEntriesByName('relabel-repaint').length > n, repaint.length);
            repaint.push(await page.evaluate(() => {
              // Parts: fusion + table render, hand-over to the viewer, NiiVue recolour, the frame.
              const at = ['relabel-start', 'relabel-rendered', 'relabel-recolour', 'relabel-recoloured'].map((n) => {
                const m = performance.getEntriesByName(n);
                return m[m.length - 1]?.startTime ?? NaN;
              });
              const m = performance.getEntriesByName('relabel-repaint');
              return { total: m[m.length - 1]?.duration ?? NaN, render: at[1]! - at[0]!, recolour: at[3]! - at[2]! };
            }));
          }
        }
      }
    }
    if (big) {
      // Once, last: what a radiologist waits for with a 512 × 512 × 600 CT (uncompressed, 315 MB).
      const marks = await page.evaluate(() => performance.getEntriesByName('labels-shown').length);
      const t0 = Date.now();
      await page.getByTestId('file-input').setInputFiles(big);
      await page.getByTestId('scan-dims').filter({ hasText: '512 × 512 × 600' }).waitFor({ timeout: 300_000 });
      const shown = (Date.now() - t0) / 1000;
      await page.waitForFunction((n) => performance.getEntriesByName('labels-shown').length > n, marks, { timeout: 600_000 });
      const labelled = (Date.now() - t0) / 1000;
      const timings = JSON.parse((await page.getByTestId('timings').getAttribute('data-timings'))!) as Analysis['timings'];
      bigDrop = { shown, labelled, analysis: timings.total / 1000 };
      process.stderr.write(`browser 512 × 512 × 600 drop: image ${shown.toFixed(1)} s, labels ${labelled.toFixed(1)} s\n`);
    }
  } finally {
    await browser.close();
    server.kill();
  }
  return { threads, runs: out, repaint, ...(bigDrop ? { bigDrop } : {}) };
}
