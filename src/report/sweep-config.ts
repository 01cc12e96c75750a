/**
 * The config header of a sweep in report.html: which model, data, optimizer, batch, stop rule,
 * loss and GC measurement its runs used, read from their config.json files. A key whose value
 * differs across runs is shown as swept (a knob) or as its distinct values.
 */
import { PAPER_KNOBS } from '../config/knobs.js';
import { flatten, type Sweep } from './aggregate.js';

/** Penalty strengths (λ) among the regularizers.* keys; the others are their settings. */
const STRENGTHS = Object.values(PAPER_KNOBS).map((k) => k.key).filter((k) => k.startsWith('regularizers.'));

/** One header line: a label and its text. */
export interface ConfigLine {
  label: string;
  text: string;
}

const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** The sweep's config values by dotted key: one value, or the distinct values (sorted text). */
function values(s: Sweep): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const r of s.runs) {
    for (const [k, v] of Object.entries(flatten(r.config))) {
      if (!out.has(k)) out.set(k, []);
      const list = out.get(k)!;
      if (!list.some((x) => JSON.stringify(x) === JSON.stringify(v))) list.push(v);
    }
  }
  return out;
}

/** Header lines of one sweep (empty when its runs have no config). */
export function sweepConfigLines(s: Sweep): ConfigLine[] {
  const vals = values(s);
  if (vals.size === 0) return [];
  const one = (key: string): string => {
    if (s.knobKeys.includes(key)) return 'swept';
    const v = vals.get(key);
    if (!v) return '—';
    return v.length === 1 ? show(v[0]) : `varies: ${v.map(show).join(', ')}`;
  };
  const group = (prefix: string, skip: string[] = []) =>
    [...vals.keys()]
      .filter((k) => k.startsWith(`${prefix}.`) && !skip.includes(k))
      .map((k) => `${k.slice(prefix.length + 1)} ${one(k)}`)
      .join(', ');
  const has = (key: string) => vals.has(key) && vals.get(key)!.some((v) => v !== undefined && v !== null);
  const epochs = `${one('train.epochs')} epochs`;
  const stop = has('train.stop_train_acc')
    ? `train accuracy ≥ ${one('train.stop_train_acc')} (at most ${epochs})`
    : has('train.flow_time')
      ? `flow time lr × step ≥ ${one('train.flow_time')} (at most ${epochs})`
      : epochs;
  const regs = [...vals.keys()]
    .filter((k) => STRENGTHS.includes(k) && (s.knobKeys.includes(k) || vals.get(k)!.some((v) => typeof v === 'number' && v !== 0)))
    .map((k) => `${k.slice('regularizers.'.length)} ${one(k)}`);
  const lines: ConfigLine[] = [
    { label: 'model', text: group('model') },
    { label: 'data', text: group('dataset') },
    { label: 'optimizer', text: group('optimizer') },
    { label: 'batch size', text: one('train.batch_size') },
    { label: 'stop rule', text: stop },
    { label: 'loss', text: has('train.loss') ? one('train.loss') : 'cross_entropy' },
    { label: 'GC examples', text: group('gc') },
    { label: 'regularizers', text: regs.length ? regs.join(', ') : 'none' },
    { label: 'backend', text: one('backend') },
  ];
  return lines.filter((l) => l.text !== '' && l.text !== '—');
}
