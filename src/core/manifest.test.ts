import { describe, expect, it } from 'vitest';
import { PAPER_FUSION } from './fusion';
import { ModelError, parseManifest, parsePhi } from './manifest';

const sha = 'a'.repeat(64);
const EDGE = { hu: 250, widthHu: 150, weight: 0.45, interiorHu: [100, 200] };
function validManifest(): Record<string, unknown> {
  const win = { min: -500, max: 1500 };
  return {
    version: 't',
    spacing: 2,
    models: {
      detector: { file: 'detector.onnx', sha256: sha, bytes: 1, window: win, multiple: 16, slicesPerPlane: 32, decode: { stride: 4, threshold: 0.3, topK: 40 } },
      segmenter: { file: 'segmenter.onnx', sha256: sha, bytes: 1, size: 48, window: win, heatmapSigmaVox: 3, threshold: 0.5 },
      encoder: { file: 'encoder.onnx', sha256: sha, bytes: 1, size: 48, embedding: 128 },
      head: { file: 'head.onnx', sha256: sha, bytes: 1, classes: 24, dropoutRate: 0.25, passes: 20 },
    },
    fusion: { file: 'fusion.json', sha256: sha },
  };
}

describe('model manifest', () => {
  it('accepts a complete manifest and fills fusion defaults with the paper’s', () => {
    expect(parseManifest(validManifest()).fusion.defaults).toEqual(PAPER_FUSION);
  });

  it('takes the segmenter’s bone-edge rule when there is one (older manifests have none)', () => {
    const m = validManifest();
    (m.models as any).segmenter.edge = EDGE;
    expect(parseManifest(m).models.segmenter.edge).toEqual(EDGE);
    expect(parseManifest(validManifest()).models.segmenter.edge).toBeUndefined();
  });

  it.each([
    ['no models', (m: any) => delete m.models, /not a SpineCLUE model manifest/],
    ['a missing model', (m: any) => delete m.models.head, /models.head is missing/],
    ['a bad hash', (m: any) => (m.models.encoder.sha256 = 'xyz'), /sha256/],
    ['a wrong class count', (m: any) => (m.models.head.classes = 26), /24 classes/],
    ['a dropout rate of 1', (m: any) => (m.models.head.dropoutRate = 1), /dropoutRate/],
    ['no spacing', (m: any) => delete m.spacing, /spacing/],
    ['no segmenter size', (m: any) => delete m.models.segmenter.size, /segmenter.size/],
    ['an unknown detector centre', (m: any) => (m.models.detector.decode.centre = 'mass'), /decode.centre/],
    ['a bone-edge weight that could push the threshold past 0 or 1', (m: any) => (m.models.segmenter.edge = { ...EDGE, weight: 0.6 }), /segmenter.edge/],
    ['a bone-edge interior range upside down', (m: any) => (m.models.segmenter.edge = { ...EDGE, interiorHu: [200, 100] }), /segmenter.edge/],
    ['a head mirror flag that is not a boolean', (m: any) => (m.models.head.mirror = 'yes'), /head.mirror/],
    ['an encoder context flag that is not a boolean', (m: any) => (m.models.encoder.context = 1), /encoder.context/],
    ['a bone edge without its HU', (m: any) => (m.models.segmenter.edge = { ...EDGE, hu: undefined }), /segmenter.edge/],
  ])('refuses %s with a message naming it', (_, spoil, msg) => {
    const m = validManifest();
    spoil(m);
    expect(() => parseManifest(m)).toThrow(ModelError);
    expect(() => parseManifest(m)).toThrow(msg);
  });

  it('reads fusion matrices per signed offset and refuses malformed ones', () => {
    const eye = Array.from({ length: 576 }, (_, i) => (i % 25 === 0 ? 1 : 0));
    const phi = parsePhi({ offsets: { '-1': eye, '2': eye } });
    expect([...phi.keys()].sort((a, b) => a - b)).toEqual([-1, 2]);
    expect(phi.get(2)![25]).toBe(1);
    expect(() => parsePhi({ offsets: { '0': eye } })).toThrow(/offset 0/);
    expect(() => parsePhi({ offsets: { '1': eye.slice(1) } })).toThrow(ModelError);
    expect(() => parsePhi({ offsets: { '1': eye.map((x) => -x) } })).toThrow(/non-negative/);
    expect(() => parsePhi({})).toThrow(/offsets/);
  });
});
