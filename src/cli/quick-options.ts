import { Command, InvalidArgumentError, Option } from 'commander';
import { DATASET_NAMES, MODEL_ARCHS } from '../config/schema.js';
import { QUICK_REGS, quickHelp, type QuickOptions } from './quick.js';

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
  return n;
}

function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return n;
}

function list(parse: (v: string) => number) {
  return (value: string): number[] => {
    const parts = value.split(',');
    if (parts.some((p) => p.trim() === '')) throw new InvalidArgumentError(`expected a comma-separated list, got '${value}'`);
    return parts.map((p) => parse(p.trim()));
  };
}

/** Option names (commander's camelCase keys) that only make sense in flag mode. */
export const QUICK_FLAG_KEYS = ['reg', 'regStrength', 'lr', 'batchSize', 'epochs', 'model', 'seeds', 'experiment'] as const;

/** Adds the flag-mode options (--dataset, --reg, ...) and their help to a gc-run command. */
export function addQuickOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dataset <name>', 'flag mode: run the default experiment for this dataset').choices([...DATASET_NAMES]))
    .addOption(new Option('--reg <knob>', 'flag mode: knob to sweep (default: none)').choices(QUICK_REGS))
    .option('--reg-strength <values>', 'flag mode: comma list of values replacing the default range, e.g. 0.01,0.1', list(number))
    .option('--lr <x>', 'flag mode: SGD learning rate (default per dataset)', number)
    .option('--batch-size <n>', 'flag mode: mini-batch size (default per dataset)', integer)
    .option('--epochs <n>', 'flag mode: epochs (default per dataset)', integer)
    .addOption(new Option('--model <arch>', 'flag mode: model (default per dataset)').choices([...MODEL_ARCHS]))
    .option('--seeds <list>', 'flag mode: comma list of run seeds (default 0)', list(integer))
    .option('--experiment <name>', 'flag mode: experiment name (default <dataset>-<knob>)')
    .addHelpText('after', quickHelp());
}

/** The flag-mode options given on the command line, and which flag-mode-only flags were used. */
export function quickOptionsFrom(opts: Record<string, unknown>): { dataset?: string; options: Omit<QuickOptions, 'dataset'>; used: string[] } {
  const used = QUICK_FLAG_KEYS.filter((k) => opts[k] !== undefined).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  return {
    dataset: opts.dataset as string | undefined,
    options: Object.fromEntries(QUICK_FLAG_KEYS.map((k) => [k, opts[k]])) as Omit<QuickOptions, 'dataset'>,
    used,
  };
}
