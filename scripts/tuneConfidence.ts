/**
 * npx tsx scripts/tuneConfidence.ts DUMP.json [--phi public/models/fusion.json]
 *
 * Chooses the temperature of the confidence shown for each label (src/core/sequence.ts,
 * SEQUENCE.temperature): reads what `npm run eval -- DIR --dump DUMP.json` kept (network outputs and
 * ground truth per case; run it on phantoms of their own, training.phantoms.generate --seed 300000),
 * labels every case with the shipped fusion, and scores the chain's marginal of each shown level at
 * each temperature against the truth (src/core/calibration.ts), beside the fused probability of the
 * same level. The labels are the same at every temperature: only the confidence changes.
 */
import type { Centroid } from '../src/core/centroids';
import { calibration, callsOf } from '../src/core/calibration';
import { PAPER_FUSION, fuse } from '../src/core/fusion';
import { LOW_CONFIDENCE, SET_ASIDE, labelVertebrae } from '../src/core/labelling';
import { labelToClass } from '../src/core/labels';
import type { FoundVertebra } from '../src/core/pipeline';
import { readDumpArgs } from './lib/dumpArgs';
import { SEQUENCE, levelConfidence, levelSteps, sequenceMarginals } from '../src/core/sequence';

const TEMPERATURES = [1, 1.5, 2, 2.5, 3, 4, 6];

function main(): void {
  const { cases, phi } = readDumpArgs<{ found: FoundVertebra[]; truth: Centroid[] }>(process.argv.slice(2), 'tuneConfidence.ts');
  const rows: string[] = [];
  const score = (name: string, confidence: (c: { found: FoundVertebra[]; truth: Centroid[] }) => { label: number; centroid: number[]; confidence: number }[]): void => {
    const c = calibration(cases.flatMap((k) => callsOf(confidence(k), k.truth)), LOW_CONFIDENCE);
    rows.push(`| ${name} | ${c.calls} | ${c.wrong} | ${c.logLoss.toFixed(4)} | ${c.brier.toFixed(4)} | ${(100 * c.ece).toFixed(1)} % | ${c.auroc?.toFixed(3) ?? '–'} | ${c.flagged} (${c.wrongFlagged}) |`);
  };
  const shown = (k: { found: FoundVertebra[] }) => labelVertebrae(k.found, phi, PAPER_FUSION).map((v, i) => ({ v, i })).filter(({ v }) => v.label !== SET_ASIDE);
  score('fused probability of the level', (k) => shown(k).map(({ v }) => ({ label: v.label, centroid: v.centroid, confidence: v.fused[labelToClass(v.label)] ?? 0 })));
  for (const temperature of TEMPERATURES) {
    score(`chain marginal, temperature ${temperature}${temperature === SEQUENCE.temperature ? ' (shipped)' : ''}`, (k) => {
      const fused = fuse({ p: k.found.map((v) => Float64Array.from(v.p)), entropy: k.found.map((v) => v.entropy), phi, fixed: k.found.map(() => null) }, PAPER_FUSION);
      const m = sequenceMarginals(fused, levelSteps(k.found.map((v) => v.positionMm)), [], { ...SEQUENCE, temperature });
      return shown(k).map(({ v, i }) => {
        const row = m?.[i];
        const c = labelToClass(v.label);
        return { label: v.label, centroid: v.centroid, confidence: row && c >= 0 ? levelConfidence(row, c) : 0 };
      });
    });
  }
  console.log(`| confidence | calls | wrong | log loss | Brier | ECE | AUROC (wrong level) | under ${100 * LOW_CONFIDENCE} % (wrong) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n${rows.join('\n')}`);
}

main();
