import type { ModelConfig } from '../config/schema.js';

type Mlp = Extract<ModelConfig, { arch: 'mlp' }>;
type Cnn = Extract<ModelConfig, { arch: 'cnn' }>;
type Vgg = Extract<ModelConfig, { arch: 'vgg' }>;

/**
 * Hidden-layer widths of an MLP: `depth` layers (default: as many as `widths`), each `width`
 * units if set, else the matching entry of `widths` (its last entry for layers beyond it).
 */
export function mlpWidths(cfg: Mlp): number[] {
  const n = cfg.depth ?? cfg.widths.length;
  return Array.from({ length: n }, (_, i) => cfg.width ?? cfg.widths[Math.min(i, cfg.widths.length - 1)]);
}

/** Scales `c` by width / first (rounded, at least 1), so the first conv gets exactly `width`. */
function scaled(c: number, first: number, width: number | undefined): number {
  return width === undefined ? c : Math.max(1, Math.round((c * width) / first));
}

/** Conv channels of the cnn arch: `channels`, scaled so that the first is `width` when set. */
export function cnnChannels(cfg: Cnn): number[] {
  return cfg.channels.map((c) => scaled(c, cfg.channels[0], cfg.width));
}

/** Conv channels per stage of the vgg arch: `channels`, scaled so that the first is `width` when set. */
export function vggChannels(cfg: Vgg): number[][] {
  const first = cfg.channels[0][0];
  return cfg.channels.map((stage) => stage.map((c) => scaled(c, first, cfg.width)));
}
