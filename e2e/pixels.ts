import { PNG } from 'pngjs';

/** Share of a screenshot's pixels that are clearly coloured (the label overlay), not grey (the CT). */
export function colouredShare(png: Buffer): number {
  const img = PNG.sync.read(png);
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const [r, g, b] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
  }
  return n / (img.width * img.height);
}
