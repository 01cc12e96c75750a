/**
 * gc-measure: GC, margins, loss and accuracy (and optionally neural collapse) of a saved model
 * on a dataset. Given a run folder and no selection flags it measures on the run's own GC
 * examples with the run's GC settings and loss, and re-measures every column of the logged
 * epoch row a model determines through the trainer's own column groups (train/run-columns.ts),
 * so it reproduces them to the digits logged.
 */
import { Command, Option } from 'commander';
import * as tf from '#tf';
import { BACKENDS, DATASET_NAMES, GcSchema, TrainSchema, type BackendChoice } from '../config/schema.js';
import { describeBackend, selectBackend } from '../backend/select.js';
import { loadDataset, type DatasetName } from '../data/registry.js';
import { takeExamples, type Split } from '../data/split.js';
import { UsageError } from '../errors/errors.js';
import { jacobianStrategyFor, type JacobianStrategy } from '../metrics/gc.js';
import { marginStats, type MarginStats } from '../metrics/margins.js';
import { cdnvShortfall } from '../metrics/neural-collapse.js';
import { loadModel } from '../models/custom-layers.js';
import { Rng } from '../rng/rng.js';
import { prepareRunData } from '../runner/data-prep.js';
import { lossFn } from '../metrics/loss.js';
import type { MetricColumn } from '../results/columns.js';
import { neuralCollapseOf } from '../train/columns/neural-collapse.js';
import { gcExamplesOf, neuralCollapseExamplesOf } from '../train/gc-examples.js';
import { gcBy, lossAccuracyMargins, neuralCollapse, ofClasses, type GcMethod } from '../train/model-measures.js';
import { measureRunColumns } from '../train/run-columns.js';
import { formatError, exitCodeFor, parseFlags, runCommand } from './exit.js';
import { resolveSource, type MeasureSource } from './measure-source.js';
import type { Io } from './report.js';

const PROG = 'gc-measure';

/** The gc block's defaults, and train.*'s that gc-measure uses, read from the config schema. */
const GC_DEFAULTS = GcSchema.parse({});
const TRAIN_DEFAULTS = {
  eval_batch_size: TrainSchema.shape.eval_batch_size.parse(undefined),
  loss: TrainSchema.shape.loss.parse(undefined),
};

interface Flags {
  dataset?: string;
  split?: 'train' | 'test';
  examples?: string;
  method?: 'exact' | 'projection';
  projections?: string;
  batchSize?: string;
  classes?: string;
  neuralCollapse?: boolean;
  seed?: string;
  backend?: BackendChoice;
  dataDir?: string;
  json?: boolean;
}

/** What gc-measure reports (also its --json document). */
export interface MeasureResult {
  model: string;
  run: string | null;
  epoch: number | null;
  backend: string;
  dataset: string;
  examples: { source: string; n: number; classes: number[] | null };
  gc: { value: number; method: 'exact' | 'projection'; batch_size: number; projections: number | null; logged: number | null };
  loss: number;
  accuracy: number;
  margin: MarginStats;
  neural_collapse: { cdnv: number; embedding_gc: number; embedding_dim: number; examples: string } | null;
  /**
   * On a run folder without selection flags: every column of the logged epoch row that the model
   * determines, re-measured as the trainer measured it, beside the logged value (null when that
   * epoch has no row or the cell is empty).
   */
  columns: Partial<Record<MetricColumn, { value: number | null; logged: number | null }>> | null;
}

function posInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} ${v}: expected a positive integer`);
  return n;
}

/** "0,3,5-9" → [0, 3, 5, 6, 7, 8, 9], each in [0, classes). */
export function parseClasses(v: string, classes: number): number[] {
  const out = new Set<number>();
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || a > b || b >= classes) throw new UsageError(`--classes ${v}: expected class indices or ranges in 0..${classes - 1} (e.g. 0,3,5-9)`);
    for (let c = a; c <= b; c++) out.add(c);
  }
  if (out.size < 2) throw new UsageError(`--classes ${v}: expected at least two classes`);
  return [...out].sort((x, y) => x - y);
}

/** The Jacobian strategy the trainer would use; for a model without its run, that of an mlp for dense-only models. */
function strategyOf(src: MeasureSource, model: tf.LayersModel): JacobianStrategy {
  if (src.run) return jacobianStrategyFor(src.run.config.model.arch);
  const denseOnly = model.layers.every((l) => ['Flatten', 'Dense', 'InputLayer'].includes(l.getClassName()));
  return jacobianStrategyFor(denseOnly ? 'mlp' : 'cnn');
}

async function measure(path: string, f: Flags, io: Io): Promise<MeasureResult> {
  const src = resolveSource(path);
  const run = src.run;
  const cfg = run?.config;
  if (f.dataset !== undefined && !(DATASET_NAMES as readonly string[]).includes(f.dataset)) {
    throw new UsageError(`--dataset ${f.dataset}: expected one of ${DATASET_NAMES.join(', ')}`);
  }
  // A model without its run: the schema's defaults (never retyped here).
  const gcCfg = cfg?.gc ?? GC_DEFAULTS;
  const datasetName = (f.dataset ?? cfg?.dataset.name) as DatasetName | undefined;
  if (!datasetName) throw new UsageError(`${path}: a model without its run folder needs --dataset (one of ${DATASET_NAMES.join(', ')})`);
  if (f.examples !== undefined && f.examples !== 'all' && !/^[1-9]\d*$/.test(f.examples)) throw new UsageError(`--examples ${f.examples}: expected a positive integer or 'all'`);
  const count = f.examples === undefined || f.examples === 'all' ? f.examples : Number(f.examples);
  const batchSize = posInt('batch-size', f.batchSize) ?? gcCfg.batch_size;
  const projections = posInt('projections', f.projections) ?? gcCfg.projections;
  if (f.seed !== undefined && !/^\d+$/.test(f.seed)) throw new UsageError(`--seed ${f.seed}: expected a non-negative integer`);
  const seed = f.seed === undefined ? (cfg?.seed ?? 0) : Number(f.seed);

  // The run's backend by default: the logged numbers came from it.
  let backend = f.backend ?? (run?.data.record.backend as BackendChoice | undefined) ?? 'auto';
  let info;
  try {
    info = await selectBackend(backend);
  } catch (err) {
    if (f.backend) throw err;
    io.stderr.write(`${PROG}: warning: the run's backend '${backend}' does not load here; using auto (GC may differ in the last digits)\n`);
    backend = 'auto';
    info = await selectBackend(backend);
  }
  const backendLine = `${PROG}: ${describeBackend(info, backend)}\n`;

  // The model first: a damaged model folder is refused before the dataset is read.
  const model = await loadModel(src.modelDir);
  try {
    const ds = await loadDataset(datasetName, { dataDir: f.dataDir ?? cfg?.dataset.data_dir, download: false });
    const inShape = model.inputs[0].shape.slice(1).join('x');
    const outDim = model.outputs[0].shape[1];
    if (inShape !== ds.shape.join('x')) throw new UsageError(`${path}: the model takes ${inShape} inputs, dataset ${datasetName} has ${ds.shape.join('x')}`);
    if (outDim !== ds.numClasses) throw new UsageError(`${path}: the model has ${outDim} outputs, dataset ${datasetName} has ${ds.numClasses} classes`);
    const classes = f.classes === undefined ? undefined : parseClasses(f.classes, ds.numClasses);
    // The run's own data preparation (subsets, label noise) when measuring on the run's dataset.
    const splits: { train: Split; test: Split } = cfg && cfg.dataset.name === datasetName ? prepareRunData(cfg, ds) : ds;
    const selecting = f.dataset !== undefined || f.split !== undefined || f.examples !== undefined || classes !== undefined;
    let examples: Split;
    let source: string;
    if (run && cfg && !selecting) {
      examples = gcExamplesOf(cfg, splits.train);
      source = "the run's GC examples";
    } else {
      const split = f.split ?? 'train';
      const pool = ofClasses(splits[split], classes);
      const n = count === 'all' ? pool.n : (count ?? gcCfg.examples);
      if (n > pool.n) {
        throw new UsageError(`--examples ${n}: the ${split} split has only ${pool.n} examples${classes ? ' of the selected classes' : ''} (use --examples all)`);
      }
      examples = n === pool.n ? pool : takeExamples(pool, Rng.derive(seed, 'gc-measure-examples').permutation(pool.n).subarray(0, n));
      source = `${n === pool.n ? 'all' : 'a seeded sample of'} ${n} ${split} examples${classes ? ` of classes ${classes.join(',')}` : ''}`;
    }
    if (examples.n === 0) throw new UsageError(`${path}: no examples to measure on`);
    const method = f.method ?? gcCfg.method;
    const m: GcMethod = { method, batchSize, projections, strategy: strategyOf(src, model) };
    // Reproducing a logged value: the projection stream the trainer used at that epoch.
    const reproduce = run && !selecting && f.method === undefined && f.projections === undefined && f.seed === undefined;
    const withNc = !!(f.neuralCollapse || classes);
    // The run's own neural-collapse examples were checked when it was configured; other samples here.
    const ncShort = withNc && !reproduce ? cdnvShortfall(examples.y, classes) : null;
    if (ncShort) throw new UsageError(`--examples ${f.examples ?? examples.n}: ${ncShort} among the ${source} (use more --examples, or --examples all)`);
    const projRng = () => (reproduce ? Rng.derive(cfg!.seed, `gc-projection:${run!.epoch}`) : Rng.derive(seed, 'gc-measure-projection'));
    const infer = (x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor2D;
    // The trainer's own column groups on the run's own example sets, with the run's loss.
    const row = reproduce ? await measureRunColumns(cfg!, model, { ...splits, classes: ds.numClasses }, run!.epoch) : null;
    const gc = row?.gc ?? (await gcBy(infer, examples, ds.numClasses, m, projRng));
    const lam = await lossAccuracyMargins(infer, examples, cfg?.train.eval_batch_size ?? TRAIN_DEFAULTS.eval_batch_size, lossFn(cfg?.train.loss ?? TRAIN_DEFAULTS.loss));
    let nc: MeasureResult['neural_collapse'] = null;
    if (reproduce && f.neuralCollapse) {
      // The logged cdnv / embedding_gc: the run's class-balanced metrics.nc_examples, the epoch's projections.
      const ncExamples = neuralCollapseExamplesOf(cfg!, splits.train);
      nc = { ...(await neuralCollapseOf(cfg!, model, ncExamples, ds.numClasses, run!.epoch)), examples: `the run's ${ncExamples.n} class-balanced neural-collapse examples` };
    } else if (f.neuralCollapse || classes) {
      nc = { ...(await neuralCollapse(model, examples, m, () => Rng.derive(seed, 'gc-measure-nc-projection'), classes)), examples: source };
    }
    // Only now: bad input must leave exactly one line on stderr.
    io.stderr.write(backendLine);
    return {
      model: src.modelDir,
      run: run?.data.dir ?? null,
      epoch: run?.epoch ?? null,
      backend: info.name,
      dataset: datasetName,
      examples: { source, n: examples.n, classes: classes ?? null },
      gc: { value: gc, method, batch_size: batchSize, projections: method === 'projection' ? projections : null, logged: reproduce ? (run!.row?.gc ?? null) : null },
      loss: lam.loss,
      accuracy: lam.acc,
      margin: marginStats(lam.margins),
      neural_collapse: nc,
      columns: row && Object.fromEntries(Object.entries(row).map(([c, value]) => [c, { value: value ?? null, logged: run!.row?.[c] ?? null }])),
    };
  } finally {
    model.dispose();
  }
}

const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v));

/** The human-readable report. */
export function measureText(r: MeasureResult): string {
  const g = r.gc;
  const logged = g.logged === null ? '' : `  (logged at epoch ${r.epoch}: ${g.logged}${g.logged === g.value ? ', reproduced exactly' : `, differs by ${(g.value - g.logged).toExponential(2)}`})`;
  const mg = r.margin;
  const lines = [
    `model:    ${r.model}${r.run ? ` (run ${r.run}, epoch ${r.epoch})` : ''}`,
    `examples: ${r.examples.source} (${r.dataset})`,
    `gc:       ${g.value}  [${g.method}${g.projections ? `, ${g.projections} projections` : ''}, batch ${g.batch_size}]${logged}`,
    `loss:     ${num(r.loss)}   accuracy: ${num(r.accuracy)}`,
    `margin:   mean ${num(mg.mean)}  std ${num(mg.std)}  min ${num(mg.min)}  p10 ${num(mg.p10)}  median ${num(mg.median)}  max ${num(mg.max)}  <=0: ${num(mg.nonpositive)}`,
  ];
  if (r.neural_collapse) {
    const nc = r.neural_collapse;
    lines.push(`collapse: cdnv ${num(nc.cdnv)}  embedding_gc ${num(nc.embedding_gc)}  (penultimate layer, ${nc.embedding_dim} dims; ${nc.examples})`);
  }
  if (r.columns) {
    const cols = Object.entries(r.columns);
    const off = cols.filter(([, v]) => v!.value !== v!.logged).map(([c, v]) => `${c} ${v!.value} (logged ${v!.logged ?? 'empty'})`);
    lines.push(off.length === 0
      ? `row:      all ${cols.length} columns of epoch ${r.epoch} that the model determines reproduced exactly (${cols.map(([c]) => c).join(', ')})`
      : `row:      ${cols.length - off.length} of ${cols.length} columns of epoch ${r.epoch} reproduced exactly; differ: ${off.join('; ')}`);
  }
  return lines.join('\n');
}

/** Runs gc-measure with `argv` (after the program name). Returns the exit code: 0 ok, 2 bad input. */
export async function measureCommand(argv: string[], io: Io = process): Promise<number> {
  const program = new Command(PROG)
    .description('Measure GC, margins, loss and accuracy of a saved gc-run model')
    .argument('<path>', 'run folder, saved model folder (model/, snapshots/epoch-NNNN/) or model.json')
    .addOption(new Option('--dataset <name>', "dataset (default: the run's)").choices([...DATASET_NAMES]))
    .addOption(new Option('--split <split>', 'split to sample examples from (default train)').choices(['train', 'test']))
    .option('--examples <n>', `examples: a count or 'all' (default: the run's gc.examples, else ${GC_DEFAULTS.examples})`)
    .addOption(new Option('--method <method>', `GC method (default: the run's gc.method, else ${GC_DEFAULTS.method})`).choices(['exact', 'projection']))
    .option('--projections <p>', 'random directions per example for --method projection')
    .option('--batch-size <b>', `examples per GC pass (default: the run's gc.batch_size, else ${GC_DEFAULTS.batch_size})`)
    .option('--classes <list>', 'only examples of these classes, e.g. 5-9 or 0,2,4 (implies --neural-collapse)')
    .option('--neural-collapse', 'also CDNV and embedding GC of the penultimate layer')
    .option('--seed <s>', "seed of the example sample and projections (default: the run's seed, else 0)")
    .addOption(new Option('--backend <name>', "tfjs backend (default: the run's)").choices([...BACKENDS]))
    .option('--data-dir <dir>', 'folder holding datasets/<name>/')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
  try {
    if (!(await parseFlags(PROG, program, argv))) return 0;
    const flags = program.opts<Flags>();
    const r = await measure(program.processedArgs[0] as string, flags, io);
    io.stdout.write((flags.json ? JSON.stringify(r, null, 2) : measureText(r)) + '\n');
    return 0;
  } catch (e) {
    const code = exitCodeFor(e);
    if (code === 2) {
      // Bad input: one line.
      io.stderr.write(formatError(PROG, e).split('\n')[0] + '\n');
      return code;
    }
    throw e;
  }
}

/** Entry point for bin/gc-measure.js. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  await runCommand(PROG, () => measureCommand(argv));
}
