/** Small line charts as SVG, turned into PNG by Debian's chromium (text and all, no extra deps). */
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../playwright.config';

export interface Series {
  name: string;
  points: [number, number][];
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yRange?: [number, number];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/** One chart, w × h px, as an SVG fragment at (x0, y0). */
function chartSvg(c: Chart, x0: number, y0: number, w: number, h: number): string {
  const m = { l: 50, r: 10, t: 28, b: 38 };
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]));
  const [xmin, xmax] = [Math.min(...xs), Math.max(...xs)];
  const [ymin, ymax] = c.yRange ?? [Math.min(...ys), Math.max(...ys)];
  const X = (x: number): number => x0 + m.l + ((x - xmin) / (xmax - xmin || 1)) * (w - m.l - m.r);
  const Y = (y: number): number => y0 + h - m.b - ((y - ymin) / (ymax - ymin || 1)) * (h - m.t - m.b);
  const ticks = (a: number, b: number): number[] => Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  const parts = [
    `<text x="${x0 + w / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14" font-weight="bold">${c.title}</text>`,
    `<line x1="${X(xmin)}" y1="${Y(ymin)}" x2="${X(xmax)}" y2="${Y(ymin)}" stroke="#333"/>`,
    `<line x1="${X(xmin)}" y1="${Y(ymin)}" x2="${X(xmin)}" y2="${Y(ymax)}" stroke="#333"/>`,
    ...[...new Set(xs)].map((t) => `<text x="${X(t)}" y="${Y(ymin) + 15}" text-anchor="middle" font-size="11">${+t.toFixed(2)}</text>`),
    ...ticks(ymin, ymax).map((t) => `<text x="${X(xmin) - 5}" y="${Y(t) + 4}" text-anchor="end" font-size="11">${+t.toFixed(3)}</text><line x1="${X(xmin)}" x2="${X(xmax)}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/>`),
    `<text x="${x0 + w / 2}" y="${y0 + h - 6}" text-anchor="middle" font-size="12">${c.xLabel}</text>`,
    `<text x="${x0 + 12}" y="${y0 + h / 2}" font-size="12" transform="rotate(-90 ${x0 + 12} ${y0 + h / 2})" text-anchor="middle">${c.yLabel}</text>`,
  ];
  c.series.forEach((s, i) => {
    const col = COLOURS[i % COLOURS.length];
    parts.push(`<polyline fill="none" stroke="${col}" stroke-width="2" points="${s.points.map(([x, y]) => `${X(x)},${Y(y)}`).join(' ')}"/>`);
    for (const [x, y] of s.points) parts.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="3" fill="${col}"/>`);
    parts.push(`<text x="${x0 + w - m.r - 4}" y="${y0 + m.t + 14 * (i + 1)}" text-anchor="end" font-size="11" fill="${col}">${s.name}</text>`);
  });
  return parts.join('\n');
}

/** Charts side by side, saved as PNG (and the SVG beside it). */
export async function saveCharts(charts: Chart[], path: string, w = 360, h = 280): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w * charts.length}" height="${h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${charts.map((c, i) => chartSvg(c, i * w, 0, w, h)).join('\n')}</svg>`;
  writeFileSync(path.replace(/\.png$/, '.svg'), svg);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: w * charts.length, height: h } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path, clip: { x: 0, y: 0, width: w * charts.length, height: h } });
  } finally {
    await browser.close();
  }
}
