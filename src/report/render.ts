/**
 * Compiles vega-lite specs with vega in Node (renderer 'none', no browser, no canvas) to SVG,
 * and rasterises the SVG to PNG with resvg.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { View, parse } from 'vega';
import { Resvg } from '@resvg/resvg-js';

/** PNG pixels per SVG pixel: 2 keeps text sharp on high-density screens and in papers. */
export const PNG_SCALE = 2;

/** A rendered plot: SVG text, PNG bytes, the SVG's size in CSS pixels, compiler warnings. */
export interface RenderedPlot {
  svg: string;
  warnings: string[];
  png: Buffer;
  width: number;
  height: number;
}

const resvgOptions = (scale: number) => ({
  font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  fitTo: { mode: 'zoom' as const, value: scale },
  background: 'white',
});

/** Renders a vega-lite spec to SVG (vega, headless) and PNG (resvg at PNG_SCALE). */
export async function renderSpec(spec: TopLevelSpec): Promise<RenderedPlot> {
  const warnings: string[] = [];
  // Collect vega-lite's warnings instead of letting it print to the console; tests assert none.
  const collect = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  const logger = { level: () => logger, error: collect, warn: collect, info: () => logger, debug: () => logger } as any;
  const vg = compile(spec, { logger }).spec;
  const view = new View(parse(vg), { renderer: 'none', logLevel: 0 });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('vega produced an SVG without width/height');
  const png = new Resvg(svg, resvgOptions(PNG_SCALE)).render().asPng();
  return { svg, png, width: Number(m[1]), height: Number(m[2]), warnings };
}

let fontChecked: string | null | undefined;

/**
 * Checks that resvg finds a font: renders a word and looks for dark pixels. Returns a
 * warning (PNG text would be missing) or null. Cached per process.
 */
export function fontWarning(): string | null {
  if (fontChecked !== undefined) return fontChecked;
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><text x="4" y="22" font-size="18" font-family="DejaVu Sans, sans-serif">GCgc</text></svg>';
  const img = new Resvg(svg, resvgOptions(1)).render();
  const px = img.pixels;
  let dark = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] < 128) dark++;
  fontChecked = dark > 0 ? null : 'no usable font for PNG text (resvg found none); install Debian package fonts-dejavu-core — SVG and HTML plots are unaffected';
  return fontChecked;
}
