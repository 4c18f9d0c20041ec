"""MODELS.md from the manifest and the training runs' metrics (called by training/ship.py), with
stage 1's recall after clustering from `npm run eval` of the same model version where present:

  /usr/bin/python3 -m training.models_report   # after `npm run eval -- … --json bench/eval-*.json`
"""
from __future__ import annotations

import json
import os

MODELS = os.path.join(os.path.dirname(__file__), '..', 'public', 'models')
EVALS = {'30 validation phantoms': 'bench/eval-phantoms.json', 'real CTs (VerSe, TPTBox, TotalSegmentator)': 'bench/eval-real.json'}
# Scans the app warns are too short to label (src/core/coverage.ts), which `npm run eval` scores apart: their row's name.
SHORT = {'real CTs (VerSe, TPTBox, TotalSegmentator)': "TotalSegmentator's 20-slice DICOM series (40 mm; scored apart)"}


# Findings read off one version's runs (misses looked at by hand, a fold re-run): printed only for the versions they hold
# for. 2026-11-28.2 retrained the detector and the segmenter, not the identifier; 2026-11-28.3 the detector only.
def THIS_RUN(manifest: dict) -> bool:
    return manifest['version'] in ('2026-11-28.3', '2026-11-28.4', '2026-12-07.1')   # .4 and 2026-12-07.1: same detector, new identifier


def THIS_IDENTIFIER(manifest: dict) -> bool:
    return manifest['version'] in ('2026-11-28.1', '2026-11-28.2', '2026-11-28.3')


def pct(x) -> str:
    return '–' if x is None else f'{100 * x:.1f} %'


def id_rows(block: dict) -> list[str]:
    rows = []
    for key, name in (('no_fusion', 'identifier alone (MC-dropout mean)'), ('fusion_shift', 'fusion, shift φ (prior)'), ('fusion_learned', 'fusion, learned φ (shipped)'),
                      ('fusion_learned_order', '+ sequence decoding (ours; the app\'s default labelling)')):
        r = block.get(key)
        if not r:
            continue
        rows.append(f"| {name} | {pct(r['top1'])} | {pct(r['C']['top1'])} ({r['C']['n']}) | {pct(r['T']['top1'])} ({r['T']['n']}) | "
                    f"{pct(r['L']['top1'])} ({r['L']['n']}) | {r['mse']:.3f} |")
    return rows


# The eval summaries stage1_rows last used, committed: bench/ is not, and a fresh machine has none.
KEPT = os.path.join(os.path.dirname(__file__), 'eval-summaries.json')


def eval_summaries(version: str) -> dict:
    """Per evaluated set, the summary of the app's evaluation of this model version (bench/'s, else the
    kept one, which is refreshed from bench/)."""
    kept = json.load(open(KEPT)) if os.path.exists(KEPT) else {}
    for name, path in EVALS.items():
        if os.path.exists(path):
            with open(path) as f:
                run = json.load(f)
            fresh, short = run['summary'], run.get('short')
            if fresh.get('models') == version:
                kept[name] = {k: fresh.get(k) for k in ('models', 'cases', 'vertebrae', 'stage1Recall10mm', 'recall10mm', 'maskDiceMean',
                                                        'fragments', 'stage1RecallWithFragments', 'recallWithFragments')}
                if short and name in SHORT:
                    kept[SHORT[name]] = {'models': version, **{k: short.get(k) for k in ('cases', 'vertebrae', 'stage1Recall10mm', 'recall10mm', 'maskDiceMean')}}
    with open(KEPT, 'w') as f:
        json.dump(kept, f, indent=1)
    return {name: s for name, s in kept.items() if s.get('models') == version}


def stage1_rows(evals: dict) -> list[str]:
    """Per evaluated set: stage 1's candidates (after clustering) and the whole pipeline's vertebrae
    within 10 mm of the ground-truth body centres; where the set holds vertebrae cut by a scan's edge
    with none of their body inside (not scored), a row with them counted too."""
    rows = []
    for name, s in evals.items():
        if s.get('stage1Recall10mm') is None:
            continue
        rows.append(f"| {name} | {s['cases']} | {s['vertebrae']} | **{pct(s['stage1Recall10mm'])}** | {pct(s['recall10mm'])} |")
        n = (s.get('fragments') or {}).get('total', 0)
        if n:
            rows.append(f"| the same with the {n} body-less fragment{'s' if n > 1 else ''} counted (as before) | {s['cases']} | {s['vertebrae'] + n} | "
                        f"{pct(s['stage1RecallWithFragments'])} | {pct(s['recallWithFragments'])} |")
    return rows


def mask_dice_line(evals: dict) -> list[str]:
    """Stage 2 through the app, on each scan's own grid (labels aside), where measured."""
    got = [(name, s['maskDiceMean']) for name, s in evals.items() if s.get('maskDiceMean') is not None]
    if not got:
        return []
    return ['- **Stage 2 as the app runs it** (`npm run eval`), on each scan\'s own grid against its own masks, Dice of each true vertebra',
            '  with the mask overlapping it most (labels aside; missed vertebrae count 0): ' + ', '.join(f'{name} **{d:.3f}**' for name, d in got) + '.',
            '  Stage 2 draws these masks from its probabilities, trilinear at each voxel of the scan (`src/core/stages/onSource.ts`),',
            "  and where a voxel lies on a vertebra's boundary its own HU moves the threshold (`src/core/stages/boneEdge.ts`, above).",
            '  Nearest-neighbour 2 mm labels gave 0.871 on the phantoms and 0.819 on the real CTs; the probabilities alone 0.892 and',
            '  0.837. On the phantoms C 0.834 → 0.864, T 0.900 → 0.918, L 0.934 → 0.949 with the HU step.']


def write_report(manifest: dict, path: str) -> None:
    m = manifest['models']
    met = manifest['metrics']
    det, seg, ide = met['detector'], met['segmenter'], met['identifier']
    total = sum(e['bytes'] for e in m.values())
    L = [
        '# Models',
        '',
        f"Version {manifest['version']}. Written by `training/ship.py` from the training runs' metrics; every number below was",
        'measured by the command that made the file, on this project\'s 2-core CPU machine (no GPU).',
        '',
        '| file | bytes | GFLOPs | input |',
        '|---|---:|---:|---|',
        f"| detector.onnx | {m['detector']['bytes']:,} | {m['detector']['gflops']['per128x128']} per 128² slice | 1 × U × V slice, HU window {m['detector']['window']['min']:.0f}…{m['detector']['window']['max']:.0f} |",
        f"| segmenter.onnx | {m['segmenter']['bytes']:,} | {m['segmenter']['gflops']['perCrop']} per crop | CT + heatmap, {m['segmenter']['size']}³ |",
        f"| encoder.onnx | {m['encoder']['bytes']:,} | {m['encoder']['gflops']['perCrop']} per vertebra | mask{' + context (the other vertebrae)' if m['encoder'].get('context') else ''}, {m['encoder']['size']}³ |",
        f"| head.onnx | {m['head']['bytes']:,} | {m['head']['gflops']['perPass']} per pass | embedding × dropout mask ({m['head']['passes']} passes, rate {m['head']['dropoutRate']}) |",
        f"| **total** | **{total:,}** ({total / 2 ** 20:.2f} MiB) | | all at {manifest['spacing']} mm isotropic |",
        '',
        '## Reproduce',
        '',
        'These weights were trained in time-boxed runs, each continuing the previous one (a session on this machine',
        'ends after 3 hours), all with seed 0:',
        '',
        '```sh',
        '/usr/bin/python3 -m training.data.prepare --train-phantoms 120 --masked-per-subject 3            # ≈ 11 min',
        '/usr/bin/python3 -m training.data.prepare --detector --train-phantoms 80 --masked-per-subject 3  # ≈ 19 min',
        '# detector: 15 + 15 + 12 min on whole-box centres, and R4 stopped at its 6,000-step checkpoint (18,533 steps in all; the backbone carries over), then on bodies',
        '/usr/bin/python3 -m training.train_detector --minutes 15   # then --resume R1/detector.pt --resumed-steps 6965 --lr 1e-3, and so on',
        '/usr/bin/python3 -m training.train_detector --minutes 45 --resume R4/detector.pt --resumed-steps 18533 --lr 0.001 --threads 1   # R5: 53,154 steps',
        '/usr/bin/python3 -m training.train_detector --minutes 70 --resume R5/detector.pt --resumed-steps 53154 --lr 0.0005 --threads 1   # R6, with skull negatives: 116,045 steps',
        '/usr/bin/python3 -m training.train_detector --minutes 65 --resume R6/detector.pt --resumed-steps 116045 --lr 0.0005 --threads 1   # R7, with field-of-view cuts: 173,805 steps',
        f"/usr/bin/python3 -m training.train_detector --minutes {det['train_minutes']:g} --resume R7/detector.pt --resumed-steps 173805 --lr {det.get('lr', 1e-3):g} --threads 1   # R8, the cuts fixed (below): {det['steps']:,} steps in all",
        '# segmenter: 14 min (first run), 10 min resumed, then with the full-resolution refinement',
        '/usr/bin/python3 -m training.train_segmenter --minutes 14 --train-phantoms 80 --masked-per-subject 3',
        '/usr/bin/python3 -m training.train_segmenter --minutes 10 --train-phantoms 120 --masked-per-subject 3 --resume R1/segmenter.pt',
        '/usr/bin/python3 -m training.train_segmenter --minutes 60 --train-phantoms 120 --masked-per-subject 3 --resume R2/segmenter.pt --resumed-steps 2132 --lr 0.001 --threads 1   # R3: 9,071 steps',
        f"/usr/bin/python3 -m training.train_segmenter --minutes {seg['train_minutes']:g} --train-phantoms 120 --masked-per-subject 3 --resume R3/segmenter.pt --resumed-steps 9071 --lr {seg.get('lr', 2e-3):g} --threads 1   # R4, with field-of-view cuts: {seg['steps']:,} steps in all",
        '# identifier: 10 min of pre-training (294 steps), then 18 min more',
        '/usr/bin/python3 -m training.train_identifier --pretrain-minutes 10 --baseline-minutes 3',
        f"/usr/bin/python3 -m training.train_identifier --pretrain-minutes 18 --baseline-minutes 5 --resume R1/identifier.pt --resumed-steps 294 --resumed-minutes 10   # total {ide['pretrain_steps']} steps",
    ] + ([
        f"# then {ide['finetune_minutes']:g} min of fine-tuning with the real masks (shipped encoder, and again per leave-one-subject-out fold); the ablation's baselines (rows 1–2) are R2's"
        + (" (4 min and uniform head batches until 2026-11-28.3)" if ide.get('head_real_share') else ''),
        f"/usr/bin/python3 -m training.train_identifier --resume R2/identifier.pt --resumed-steps {ide['pretrain_steps']} --resumed-minutes {ide['pretrain_minutes']:g} --pretrain-minutes 0 --finetune-minutes {ide['finetune_minutes']:g}"
        + (f" --head-real-share {ide['head_real_share']:g}" if ide.get('head_real_share') else '') + " --keep-baselines R2/metrics.json --threads 1",
    ] if ide.get('finetune_minutes') and not ide.get('context') else []) + ([
        '# the identifier with the context channel (2026-12-07): the phantom-only encoder above (1,309 steps, kept in checkpoints/identifier-pretrain)',
        '# widened to two input channels and pre-trained 20 min more (1,812 steps), then fine-tuned and folded for a fixed 527 steps each',
        '/usr/bin/python3 -m training.train_identifier --resume training/checkpoints/identifier-pretrain/identifier.pt --resumed-steps 1309 --resumed-minutes 30 --pretrain-minutes 20 --pretrain-only --context --out training/out/identifier-ctx-pre',
        f"/usr/bin/python3 -m training.train_identifier --resume training/checkpoints/identifier-ctx-pretrain/identifier.pt --resumed-steps {ide['pretrain_steps']} --resumed-minutes {ide['pretrain_minutes']:g} --pretrain-minutes 0"
        f" --finetune-steps {ide['finetune_steps']} --head-real-share {ide['head_real_share']:g} --mirror --heads {ide['heads']} --seed {ide['seed']} --context --keep-baselines training/out/identifier/metrics.json --out training/checkpoints/identifier-C1",
    ] if ide.get('context') else []) + ([
        '# the one-channel member (R9): the same recipe on the phantom-only encoder, without the context; then the ensemble (3 min)',
        '/usr/bin/python3 -m training.train_identifier --resume training/checkpoints/identifier-pretrain/identifier.pt --resumed-steps 1309 --resumed-minutes 30 --pretrain-minutes 0'
        ' --finetune-steps 527 --head-real-share 0.3 --mirror --heads 3 --seed 3 --keep-baselines training/out/identifier/metrics.json --out training/checkpoints/identifier-R9',
        '/usr/bin/python3 -m training.ensemble --runs ' + ' '.join(m['run'] for m in ide['members']) + ' --out training/out/identifier-ensemble',
        '/usr/bin/python3 -m training.ship --identifier training/out/identifier-ensemble',
    ] if ide.get('context') and ide.get('members') else []) + [
        '# stage 1\'s clustering, tuned on phantoms of their own (the result goes into ship.py\'s CLUSTERING)',
        '/usr/bin/python3 -m training.phantoms.generate --out tmp/tune-phantoms --n 10 --seed 300000',
        'npx tsx scripts/tuneClustering.ts tmp/tune-phantoms',
        '/usr/bin/python3 -m training.ship',
        '# stage 1\'s recall after clustering below: evaluate the shipped models, then regenerate this file',
        'npm run eval -- bench/val-phantoms --json bench/eval-phantoms.json',
        'npm run eval -- ../shared/data/real/verse ../shared/data/real/tptbox ../shared/data/real/totalsegmentator --json bench/eval-real.json',
        '/usr/bin/python3 -m training.models_report',
        '```',
        '',
        f"Wall times of the last runs here: detector {det['seconds'] / 60:.0f} min, segmenter {seg['seconds'] / 60:.0f} min, "
        f"identifier {ide['seconds'] / 60:.0f} min (data loading included). Runs shared the 2 cores with each other, so step counts",
        'per minute vary. `sh training/train_all.sh` runs one pass of each from an empty cache.',
        '',
        '## Detector (stage 1)',
        '',
        f"{det['steps']:,} steps of batch {det['batch']} (128² crops) on {det['train_slices']} sagittal/coronal slices of 120 phantoms, 18 mask-driven",
        'phantoms and the real training CTs. Peaks mark **vertebral-body centres**; at each peak the detector also regresses the size',
        "of the whole vertebra's box and the shift to that box's centre, where stage 2 cuts its cube (it is trained around box",
        "centres). Until R4 the peaks marked the box centres themselves: a thoracic vertebra's box, spinous process included, is",
        "~55 mm tall against a ~22 mm pitch, so neighbours' boxes overlap by more than half, the peaks came out ~7 mm off, and",
        'stage 1 found only ~55 % of the vertebrae within 10 mm after clustering (stage 2 recovered part of the rest).',
        'From R6 on, 5 % of the training crops are synthetic skull slices with no vertebra (`skull_slice`: an elliptic bone shell,',
        'sometimes with a piece of skull base): the body-centred R5 took pieces of a head CT\'s skull for vertebral bodies.',
        'From R7 on, a fifth of the crops are cut across one vertebra as a scan\'s edge cuts it (`data/fov.py`: 15–80 % of its',
        'height kept, the rest of the crop 0; boxes clipped, body targets moved into the visible part). Real ground truth labels',
        'such fragments; phantoms leave a vertebra whose body centre is outside the scan unlabelled, so until R6 the detector had',
        'never been asked for one, and both real stage-1 misses of R6 were fragments at the top of a scan.',
        'R7 was trained with a flaw in those cuts, fixed after it: in a cut crop, boxes the plane missed also had their body',
        'target pulled into the middle half of their box, and a quarter of the bodies (421 of 1,779 boxes on 10 validation',
        'phantoms) lie outside it, by up to 0.11 of the box height. R8 continued R7 for 55 min with the fix: per slice it',
        'gained 0.7 points on the phantoms and 1.2 on cut ones, and after clustering it finds as many vertebrae as R7 (below).',
        '',
        'Per-slice matching (decoded peak within 10 mm of a ground-truth body centre; box-centre error of the matches):',
        '',
        '| validation | slices | boxes | recall | precision | size error (px) | box-centre error (px) |',
        '|---|---:|---:|---:|---:|---:|---:|',
    ] + [f"| {name} | {v['slices']} | {v['boxes']} | {pct(v['recall'])} | {pct(v['precision'])} | {v['size_error_px'] or 0:.1f} | {v.get('box_centre_error_px') or 0:.1f} |"
         for name, v in (('30 validation phantoms', det['val_phantoms']), ('the same, each slice cut across one vertebra', det.get('val_phantoms_fov_cut'))) if v]
    for k, v in det['real_val'].items():
        L.append(f"| {k} (real) | {v['slices']} | {v['boxes']} | {pct(v['recall'])} | {pct(v['precision'])} | {v['size_error_px'] or 0:.1f} | {v.get('box_centre_error_px') or 0:.1f} |")
    evals = eval_summaries(manifest['version'])
    rows = stage1_rows(evals)
    L += ['', '### Recall of vertebra centres after clustering', '',
          "Measured through the app's own pipeline (`npm run eval -- … --json bench/eval-*.json`, then `python3 -m training.models_report`):",
          "candidates of the dual-factor clustering (`src/core/clustering.ts`, parameters in `manifest.json` → `clustering`, tuned on",
          '10 phantoms of their own, seeds 300000–300009, neither trained nor validated on) within 10 mm of a ground-truth body centre;',
          'and, for comparison, the vertebrae the whole pipeline ends with (stage 2 also fills gaps).', '']
    L += (['| set | cases | vertebrae | stage 1 after clustering | whole pipeline |', '|---|---:|---:|---:|---:|'] + rows) if rows else \
        ['Not yet measured for this model version.']
    if any(name in evals for name in SHORT.values()):
        L += ['', "The 20-slice series reaches 40 mm head to foot, across the T11/T12 disc: T12's upper part and T11's lower part with its",
              "spinous process. The app warns that a scan under 60 mm is too short to label (`src/core/coverage.ts`), and `npm run eval`",
              'scores such scans apart, so neither the full scans\' figures nor the targets include it. On it the two ground-truth',
              'body centres (from the tool\'s labels) lie 10 mm apart along S–I, and stage 1 puts no candidate within 10 mm of either.']
    L += ['', 'Of the real CTs, sub-verse006 and the TotalSegmentator example are training subjects of the detector (split.json), sub-verse008',
          'and TPTBox validation ones.'] + ([
          "R6 missed two, both at the top edge of a scan: TPTBox's L2 (the lower half of it in the scan), which R7 and R8 find, and",
          "TotalSegmentator's T11, which no detector since has found: only 218 voxels of it at 2 mm (8 mm of its height) are in the",
          "scan, and none of its body: its 83 voxels on the scan's 3 mm grid lie in the top three slices, on the midline, 23–47 mm",
          "behind T12's centre (the tip of its spinous process, which slopes down over T12), so its \"body centre\" from the mask was",
          "a process tip. Of stage 1's 435 boxes on that scan, the 16 within 25 mm of that point are T12's posterior arch in coronal",
          "slices (one per slice, at T12's level, 61–93 mm A–P): a candidate there would be T12 counted twice (box dump of 2026-12-07).",
          "From the fourth session of 2026-12-07 on, the eval does not score such a fragment (`src/core/fragments.ts`): a label the",
          "scan's edge cuts with all of it behind the body of its labelled neighbours has no body centre to find. The validation",
          "phantoms were already scored by a stricter rule (a vertebra whose body centre is outside the scan gets no label,",
          "`training/phantoms/case.py`), and VerSe labels the vertebrae present in the image by their body centres. TotalSegmentator's",
          "own vertebral-body labels of this scan (`totalseg_vertebrae_pp_refined.nii.gz`) hold T12–L5 and no T11. No other real mask",
          "here has such a label (`scripts/cases.test.ts`). The row above with it counted is the figure as it stood before.",
          'With the same detector, the clustering that no longer merges chained thoracic neighbours nor drops an atlas cut into',
          'side-by-side pieces took the phantoms from 96.5 to 97.3 % (docs/EVAL.md), and keeping every well-supported mode of box',
          "height in a position cluster, not only the dominant one, to 98.4 % (2026-12-02): the atlas's boxes (~20 mm) and the",
          "axis's (30–44 mm with the dens) chain into one cluster, and the size factor had dropped one of the two whole (four of the",
          'six C1/C2 misses). Of the 6 still missed: two C2s (5 boxes under the support floor; boxes 10 mm above the body), two C7s',
          '(one without a sagittal box near the midline, one 10.7 mm off in A–P), the T6 at a top edge (8 boxes, floor 9.5) and a C3.'] if THIS_RUN(manifest) else []) + ['']
    L += [
        '## Segmenter (stage 2)',
        '',
        f"{seg['steps']:,} steps of batch 4, 48³ crops at 2 mm, centred on each vertebra's box centre ± 2-voxel jitter (what stage 1 finds).",
        'A half-resolution U-Net (strided stem) whose upsampled logits a thin full-resolution refinement corrects from the CT: the',
        'U-Net alone had stopped at 0.875 on the phantoms, where down- and up-sampling the *true* masks of the same crops caps',
        "Dice (≈ 0.89; 0.85 for the small cervical vertebrae). The refinement started as a no-op on the U-Net's weights (R2)",
        'and gained half a point (0.875 → 0.880). Dice on 12 training phantoms is as low (0.874) and any threshold from 0.3 to',
        '0.6 moves it by < 0.3 points, so neither over-fitting nor the threshold limits the phantom figure; likely the 2 mm grid',
        'itself (boundary voxels half bone, labelled by nearest-neighbour resampling) and capacity.',
        'R4 fixed a training bug and added field-of-view cuts. The left–right mirror of a training cube had not moved its centre',
        'heatmap (up to 13 voxels off on half the cubes, so the heatmap was a weak cue); and a fifth of the cubes now have their',
        "vertebra cut as a scan's edge cuts it (`data/fov.py`), re-centred on the fragment as stage 1 would find it. Real ground",
        "truth labels such fragments: TPTBox's L2, of which the scan holds the lower half, went 0.43 → 0.79 (real mean 0.826 →",
        '0.866). Phantoms barely moved (0.880 → 0.881); on cut phantom cubes R4 reaches 0.81 (a 24-step trial from R3 gave 0.70).',
        'Tried on 2026-12-01, not shipped: a deeper full-resolution stage (`--sharpen 16`: three 16-wide convs, 7³ voxels of',
        'view, a residual that starts as a no-op) trained alone on the shipped weights for 35 min (6,553 steps) left the phantoms',
        'at 0.881 and moved the real CTs 0.866 → 0.868, for 3.3 × the cost. Counted over the 127 validation cubes, 96 % of the',
        "shipped model's wrong voxels lie within one voxel of the true mask's boundary (false positives 42,626 there, 2,414",
        'further out; false negatives 31,534 and 397), so mending every gross error would add 0.3 points of pooled Dice (0.902,',
        'against the per-vertebra mean 0.881 the small vertebrae pull down). What is left is where the 2 mm boundary falls: the',
        'true masks come from 1.7 × 1.7 × 3 mm phantoms by nearest-neighbour resampling, the CT by trilinear, so a boundary',
        "voxel's label is only partly visible in the CT the network sees. The figure on 2 mm cubes is limited by that grid and",
        'its labels (data), not by capacity; finer crops (1.5 mm) would cost 2.4 × per vertebra.',
        "The scan's own grid still holds what the 2 mm cube lost, and the app uses it (2026-12-02): on a voxel between the",
        "2 mm map's instances, or at one's edge, the segmenter's threshold (0.5) is lowered by up to 0.45 where the voxel is",
        'bright (≥ 250 HU, fully from 400: cortex) and raised by as much where it is dark, but only as far as that vertebra\'s',
        'interior is brighter than soft tissue (median 100 → 200 HU): under an osteoporotic cortex the cancellous bone is as',
        'dark as muscle and a dark voxel there is still bone (the interior: 2 mm voxels whose six neighbours are the same',
        'instance). Inside the cells of one instance or of none nothing changes. Tuned by `scripts/tuneEdge.ts` (241 settings)',
        'on the 10 tuning phantoms (seeds 300000–300009) and the real training CTs with masks, not on the validation sets:',
        "0.891 → 0.910 there. Raising for every dark voxel whatever the interior reached 0.909 at best (it cut an osteoporotic",
        "phantom's rim: 0.842 → 0.823 at one setting), lowering for bright voxels alone 0.903.",
        '',
        f"- Dice on {seg.get('val_crops', 'the')} vertebrae of 10 validation phantoms: mean **{seg['dice_val_phantoms_mean']:.3f}**, median {seg['dice_val_phantoms_median']:.3f}",
        f"- Dice on the real validation CTs with manual masks: mean **{seg['dice_real_val_mean']:.3f}**",
    ] + ([f"- Dice on the same phantoms' cubes, each vertebra cut by a field-of-view edge: mean {seg['dice_val_phantoms_fov_cut_mean']:.3f}"]
         if 'dice_val_phantoms_fov_cut_mean' in seg else []) + mask_dice_line(evals) + [
        '',
        '| vertebra | Dice |',
        '|---|---:|',
    ] + [f'| {k} | {v:.3f} |' for k, v in seg['dice_real_val'].items()] + [
        '',
        '## Identifier (stage 3) and fusion',
        '',
        f"Encoder pre-trained with the supervised contrastive loss (τ = 0.1, two augmented views per mask crop) for {ide['pretrain_steps']} steps",
        f"({ide['pretrain_minutes']:g} min) on phantom masks" + (
            " (two input channels: the vertebra's mask and, as context, the other vertebrae's masks in the same 48³ cube;"
            " the app cuts both from stage 2's instance map)" if ide.get('context') else '') + (
            f", then fine-tuned the same way for {ide['finetune_minutes']:g} min ({ide['finetune_steps']} steps, lr 3e-4) with half of each level's crops drawn from the"
            " real masks and their mask-driven phantoms, so a real shape and a phantom shape of one level are each other's positives"
            if ide.get('finetune_minutes') else ' only') + f"; frozen. Head ({ide['head_steps']} steps" + (
            f", {ide['head_real_share']:.0%} of each batch's sequences drawn from the real masks and their mask-driven phantoms"
            if ide.get('head_real_share') else '') + ")" + (f", {ide['heads']} of them from seeds 1000 apart, their probabilities averaged," if ide.get('heads', 1) > 1 else '')
        + " trained with α·L_se + β·L_mse + γ·L_ce",
        '(0.1, 0.5, 1) on sequences of vertebrae: L_se is a hinge surrogate on the expected label indices (zero iff each vertebra\'s',
        'expected label is at least one above the previous one), which has a gradient where Eq. 3 does not. φ_d (±1…±3) learned',
        'from the shift prior (1000 Adam steps) on identifier outputs no head had been trained on: the held-out phantoms 100–119 and,',
        'cross-fitted, the 100 training phantoms (a head trained on each half predicts the other half). On the 20 held-out phantoms',
        'alone (300 steps, until 2026-11-27.3) φ was learned from a sixth of the data and fusion reached 95.7 %.',
        'The shipped encoder fine-tuning and head use every real subject\'s masks, validation subjects included (more real shapes',
        'for the product); the leave-one-subject-out rows below are the clean measure on real masks.',
    ] + ([
        f"The shipped identifier is an ensemble of {len(ide['members'])} such runs (`training/ensemble.py`): one encoder file of their encoders side by side",
        '(embeddings concatenated) and one head file that averages their heads\' probabilities; φ learned the same way on their averaged',
        'outputs, and every row below scores the averaged outputs (each run\'s leave-one-subject-out folds were trained without their',
        'subject). The runs on their own, with fusion: ' + '; '.join(
            f"{os.path.basename(m['run'])} (seed {m['seed']}, {m['heads']} head{'s' if m['heads'] > 1 else ''}{', mask + context' if m.get('context') else (', mask only' if ide.get('context') else '')}) phantoms {pct(m['val_phantoms_fusion'])}, real {pct(m['real_loso_fusion'])}"
            for m in ide['members']) + '.',
    ] if ide.get('members') else []) + [
        '',
        '### Validation phantoms (30, every field of view kind)',
        '',
        '| | top-1 | C | T | L | label MSE |',
        '|---|---:|---:|---:|---:|---:|',
    ] + id_rows(ide['val_phantoms']) + [
        '',
        '### Real masks, leave one subject out',
        '',
        f"Subjects: {', '.join(ide['real_loso']['subjects'])}. Each fold's head is trained without the held-out subject (and without",
        'mask-driven phantoms made from it); ' + ("each fold's encoder is fine-tuned from the phantom-pre-trained one without them too."
                                                   if ide.get('finetune_minutes') else 'the encoder never saw real data.'),
        'Sequence decoding (the last row) is the app\'s: `training/sequence.py`, kept equal to `src/core/sequence.ts` by',
        '`src/core/sequenceParity.test.ts`; the held-out masks are consecutive vertebrae, so every measured step is 1.',
        '',
        '| | top-1 | C | T | L | label MSE |',
        '|---|---:|---:|---:|---:|---:|',
    ] + id_rows(ide['real_loso']) + ([
        '',
        'The label MSE of the first three rows comes from one fold: with sub-gl017 held out, its T1 and T2 look like L4 and L5 to',
        'the identifier (entropies 1.2 and 1.5 nats, of 3.2 at most) and fusion keeps them there (re-running that fold gave',
        'C1…C7, L4, L5, T3, T4). The sequence decoding, which cannot put L5 between C7 and T3, labels them right.',
    ] if THIS_IDENTIFIER(manifest) else []) + ([
        '',
        'This identifier (R5, 2026-11-28.4) differs from R4 (2026-11-28.1 to .3) in two settings: the encoder\'s fine-tuning with the',
        'real masks runs 10 min instead of 4 (the shipped encoder 286 steps, was 127; each fold\'s 350–400, the machine less loaded),',
        'and 30 % of each head batch comes from the real masks and their',
        'mask-driven phantoms (the ~100 phantom sequences had outweighed the 9 real ones). With fusion, per held-out subject:',
        'sub-gl003 11/12, sub-gl017 11/11, sub-verse004 9/9, sub-verse009 12/16, sub-verse010 5/5, sub-verse006 2/2, sub-verse008 6/6',
        '(R4: 12, 9, 9, 10, 5, 2, 6; 53 → 56 of 61). sub-verse009\'s four misses are thoracic (7 of its 11 T, 5 of 5 L), sub-gl003\'s',
        'one cervical. On the validation phantoms fusion loses one vertebra (97.0 → 96.8 %):',
        'likely the cost of fewer phantom sequences per batch. One run each: re-running one fold with nothing changed has moved it by up to 3 of 16',
        'vertebrae, so part of the gain may be noise.',
        'How φ is learned, tried on 2026-12-02 on this encoder and head (`python3 -m training.phi_variants`, 21 min; the validation phantoms\' fusion top-1; the shipped',
        'setting, 1000 Adam steps on the 20 held-out and 100 cross-fitted phantoms, reproduces 96.8 %): 300 steps 96.5 %, 3000',
        'steps 95.4 % (over-fitted), an L2 pull of Δ towards the shift prior 89.7 % (weight 1e-3) and 86.0 % (1e-2), the 20',
        'held-out phantoms alone 96.8 %, the cross-fitted ones alone 96.5 %. No variant reaches 97 %. The 12 misses are all',
        'thoracic: sub-026\'s whole field of view (T6–T10, no end of the spine in view) one level low, sub-016\'s T10–T12 one',
        'high, and single vertebrae at the edge of short fields of view (the top T6 of sub-006, sub-012 and sub-020; sub-022\'s',
        'T12 called L1). Neighbours cannot anchor a run that is shifted as a whole; the identifier\'s own accuracy on thoracic',
        'levels (63 % alone) limits this figure, not φ.',
        'What does move it (2026-12-02, `python3 -m training.phi_variants --mirror`, 6 min): averaging each vertebra\'s MC-dropout',
        'probabilities with those of its left–right mirrored mask crop, φ re-learned on such outputs the shipped way. The identifier',
        'alone drops a little (70.0 → 68.6 %, T 63.2 → 62.7 %), fusion rises 96.8 → 98.1 % (T 94.0 → 96.5 %); with sequence decoding',
        '97.8 % both ways. The app supports it (`head.mirror` in the manifest; `train_identifier --mirror`). The leave-one-subject-out',
        'folds need encoders fine-tuned without their subject, so it was measured by a full run (identifier run R6, 2026-12-02, 91 min:',
        'the kept phantom-only encoder `training/checkpoints/identifier-pretrain`, 1,309 steps, fine-tuned 10 min with the real masks',
        '(527 steps), `--mirror`; its metrics in `R6-metrics.json` there). It ties this identifier and is not shipped: validation',
        'phantoms alone 70.3 %, with fusion 96.8 % (T 94.5 %), with sequence decoding 97.8 %; real masks, leave one subject out,',
        'alone 60.7 % (this one 54.1 %), with fusion 91.8 % (56/61: C 78.6 %, T 92.0 %, L 100 %; this one C 92.9 %, T 84.0 %), with',
        'sequence decoding 100 %. Per held-out subject with fusion: sub-gl003 10/12, sub-gl017 9/11, sub-verse009 15/16, the rest all',
        'right. The gain mirror averaging gave the shipped weights on the validation phantoms (96.8 → 98.1 %) did not recur in R6;',
        'R6\'s phantom-only head gives 96.5 % with fusion (95.9 % in rows 3–4 below, for the shipped identifier). Mirror averaging',
        'moves single vertebrae within the run-to-run spread; it does not lift the figure past 97 % reliably.',
        'A third run of that recipe (R7, 2026-12-05, seed 1, the encoder fine-tuned for a fixed 527 steps, `--finetune-steps 527`,',
        'so that the result does not depend on the machine\'s load; its outputs were lost with the session, the figures are from its',
        'log): validation phantoms alone 70.8 %, with fusion 95.4 % (C 100 %, T 92.0 %, L 98.8 %), with sequence decoding 97.8 %;',
        'real masks with fusion, per held-out subject, sub-gl003 10/12, sub-gl017 9/11, sub-verse004 9/9, sub-verse009 15/16,',
        'sub-verse010 5/5, sub-verse006 2/2 (sub-verse008 unfinished). Two draws of R6\'s recipe give 96.8 and 95.4 % on the validation',
        'phantoms (the shipped R5, from another encoder and without the mirror, 96.8 %): a spread of about a point, four to five',
        'vertebrae, around a mean just under the target.',
        'Averaging several heads trained apart (`models/identifier.Heads`: one ONNX file, the log of the heads\' mean softmax, so the',
        'app needs no change; `train_identifier --heads K`) was probed on this encoder on 2026-12-06 (`python3 -m training.phi_variants',
        '--heads 5`, 16 min; heads on the training phantoms only, as the ablation\'s rows 3–4): with fusion one head 95.9 %, five 96.5 %;',
        'mirror-averaged 97.0 % both (alone 69.5 → 70.3 %, mirror-averaged 68.9 → 69.2 %). The mirror moves this encoder more than more heads do.',
    ] if manifest['version'] == '2026-11-28.4' else []) + ([
        '',
        'This identifier (2026-12-07.1) is the ensemble of two runs of one recipe (seed 3, three heads, mirror averaging, the encoder',
        'fine-tuned a fixed 527 steps with the real masks), one per input: C1 reads the mask and the context channel (the other',
        'vertebrae\'s masks in the cube) from an encoder pre-trained 3,121 steps, R9 the mask alone from the 1,309-step one; the',
        'one-channel member is widened with zero weights on the context, so the app feeds one input to both. Alone: C1 phantoms',
        '84.1 / 97.6 / 97.8 % (alone / fusion / sequence decoding), real 80.3 / 91.8 / 91.8 %; R9 phantoms 69.2 / 95.9 / 97.8 %,',
        'real 54.1 / 93.4 / 100 %. C1 meets both fusion targets alone, but its errors on the real masks are one shifted chain',
        '(sub-verse009\'s upper five thoracic vertebrae one level high, which the sequence decoding keeps), so with the app\'s',
        'default labelling it scores 91.8 % on the real masks where every one-channel run scored 100 %. The ensemble keeps both:',
        'phantoms 98.4 % with fusion, real 90.2 % with fusion and 100 % with sequence decoding. Per held-out subject with fusion:',
        'sub-gl003 11/12, sub-gl017 11/11, sub-verse004 9/9, sub-verse009 11/16, sub-verse010 5/5, sub-verse006 2/2,',
        'sub-verse008 6/6. The cost is a second encoder: 6.0 MB instead of 3.0 MB (all four models 8.8 MB), and twice the encoder\'s GFLOPs per vertebra.',
        'The earlier runs of the one-channel recipe (R6–R9, 2026-12-02 to 12-07; `training/README.md`) scored 95.4–96.8 % on the',
        'phantoms with fusion, short of 97 %; the ensemble R8 + R9 95.9 %.',
    ] if manifest['version'] == '2026-12-07.1' else []) + [
        '',
        '### Ablation (paper Table 3), validation phantoms',
        '',
        '| row | ID top-1 | label MSE |',
        '|---|---:|---:|',
    ] + [f"| {k} | {pct(v['top1'])} | {v['mse']:.3f} |" for k, v in ide['ablation_val_phantoms'].items()] + [
        '',
        f"Baselines (rows 1–2) train encoder and head together from scratch with the same loss, but only {ide.get('baseline_minutes', 5)} min each",
        f"(≈ {ide['ablation_val_phantoms']['raw CT crop'].get('steps', 0)}–{ide['ablation_val_phantoms']['mask input'].get('steps', 0)} steps, against {ide['pretrain_steps']} pre-training steps plus the head), so they are",
        'under-trained and the first two rows understate what raw-CT and mask input reach end to end; the later rows use the contrastive',
        'encoder' + (' (fine-tuned with the real masks; rows 1–2 are from the run before that fine-tuning, which does not touch them)' if ide.get('finetune_minutes') else '')
        + ' with a head trained on phantoms only; the last row adds our sequence decoding. The paper: 64.4 → 71.2 → 94.4 → 98.7 %.',
        '',
        '### Embeddings',
        '',
        'First two principal components of the encoder\'s embeddings of the validation-phantom vertebrae, coloured C1 (blue) →',
        'T (green) → L5 (red), as the paper\'s Fig. 11:',
        '',
        '![embeddings](embeddings.png)',
        '',
        '## ONNX vs PyTorch',
        '',
        '`src/runtime/models.test.ts` runs each shipped model in onnxruntime-web (WASM, node) on 5 seeded inputs and fails when any',
        'output differs from the PyTorch reference outputs recorded by `training/ship.py` by more than 1e-4.',
        '',
    ]
    with open(path, 'w') as f:
        f.write('\n'.join(L) + '\n')


if __name__ == '__main__':
    with open(os.path.join(MODELS, 'manifest.json')) as f:
        write_report(json.load(f), os.path.join(MODELS, 'MODELS.md'))
