import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseMetricNumber } from '../../src/results/run-folder.js';
import { STEP_POINTS_PER_EPOCH } from '../../src/results/tensorboard/run-log.js';
import { EventFileWriter, ownEventFiles } from '../../src/results/tensorboard/event-file.js';
import { tempDir } from '../helpers/tmp.js';
import { gcRun, gcRunAsync, csvRows, record, runDirs, waitFor } from '../helpers/cli.js';
import { pollUntil, pythonJson, startTensorboard, tensorboardPython, tensorboardRequirement } from '../helpers/tensorboard.js';

const python = tensorboardPython();
const need = tensorboardRequirement(python);

/**
 * TensorBoard's own event reader, the EventAccumulator its server uses (plugin_event_accumulator;
 * the older event_accumulator never purges tensor summaries): per run, every tag's [step, value]
 * list, the hparams and the end status.
 */
const READER = String.raw`
import json, math, os, sys
from google.protobuf import json_format
from tensorboard.backend.event_processing import plugin_event_accumulator as ea
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util
logdir, purge = sys.argv[1], sys.argv[2] == '1'
num = lambda x: x if math.isfinite(x) else repr(x)
out = {}
for run in sorted(os.listdir(logdir)):
    d = os.path.join(logdir, run)
    if not os.path.isdir(d):
        continue
    a = ea.EventAccumulator(d, size_guidance={ea.TENSORS: 0}, purge_orphaned_data=purge)
    a.Reload()
    r = {'scalars': {}, 'plugins': {}, 'hparams': None, 'end': None}
    for tag in a.Tags()['tensors']:
        meta = a.SummaryMetadata(tag)
        r['plugins'][tag] = meta.plugin_data.plugin_name
        if tag == '_hparams_/session_start_info':
            r['hparams'] = json_format.MessageToDict(plugin_data_pb2.HParamsPluginData.FromString(meta.plugin_data.content).session_start_info)['hparams']
        elif tag == '_hparams_/session_end_info':
            r['end'] = plugin_data_pb2.HParamsPluginData.FromString(meta.plugin_data.content).session_end_info.status
        else:
            r['scalars'][tag] = [[e.step, num(tensor_util.make_ndarray(e.tensor_proto).item())] for e in a.Tensors(tag)]
    out[run] = r
print(json.dumps(out))
`;

type Point = [number, number | string];
interface RunRead {
  scalars: Record<string, Point[]>;
  plugins: Record<string, string>;
  hparams: Record<string, number> | null;
  end: number | null;
}

/** metrics.csv as column → [step, float32 value] for the rows that have a value (what TensorBoard must hold). */
function expectedSeries(dir: string): Record<string, Point[]> {
  const [header, ...lines] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const cols = header.split(',');
  const out: Record<string, Point[]> = {};
  for (const line of lines) {
    const cells = line.split(',');
    const step = Number(cells[cols.indexOf('step')]);
    cols.forEach((c, i) => {
      const v = parseMetricNumber(cells[i]);
      if (c === 'step' || v === null || v === undefined) return;
      const f = Math.fround(v);
      (out[c] ??= []).push([step, Number.isFinite(f) ? f : String(f).replace('Infinity', 'inf').replace('NaN', 'nan')]);
    });
  }
  return out;
}

function config(out: string, extra = ''): string {
  return `experiment: tiny
output_dir: ${JSON.stringify(out)}
backend: cpu
dataset: { name: fashion-mnist, train_size: 256, test_size: 40 }
model: { arch: mlp, widths: [16] }
optimizer: { lr: 0.1 }
train: { batch_size: 8, epochs: 4 }
gc: { examples: 16, batch_size: 8 }
sweep: { grid: { optimizer.lr: [0.05, 0.1] }, seeds: [0] }
${extra}`;
}

test(
  'TensorBoard reads the event files of a SIGKILLed-and-resumed sweep: every metrics.csv value once per step, batch losses, HParams; its server lists them too',
  { skip: need.skip, timeout: 120_000 },
  async () => {
    assert.equal(need.missing, null, need.missing ?? '');
    const { dir, cleanup } = tempDir();
    let server: Awaited<ReturnType<typeof startTensorboard>> | null = null;
    try {
      const out = join(dir, 'results');
      const file = join(dir, 'c.yaml');
      writeFileSync(file, config(out));
      // First attempt with the flag, killed mid-run; the resume sets the config key instead (same run ids).
      const bg = gcRunAsync([file, '--tensorboard', '--progress', 'none'], dir);
      await waitFor(() => runDirs(out).some((d) => csvRows(d).length >= 3), 60_000);
      bg.child.kill('SIGKILL');
      await bg.done;
      const killed = runDirs(out).find((d) => basename(d) !== 'tensorboard' && record(d).status === 'running')!;
      assert.ok(killed, 'a run was killed mid-training');
      const logdir = join(out, 'tiny', 'tensorboard');
      // A TensorBoard that watches the sweep holds the killed attempt's steps when the run resumes.
      server = await startTensorboard(python!, logdir);
      const get = async (path: string, body?: unknown) => {
        const res = await fetch(server!.url + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
        return res.json();
      };
      const series = (run: string, tag: string) => get(`/data/plugin/scalars/scalars?run=${encodeURIComponent(run)}&tag=${encodeURIComponent(tag)}`) as Promise<[number, number, number][]>;
      const killedId = basename(killed);
      const beforeResume = await pollUntil(() => series(killedId, 'train/batch_loss'), (v) => Array.isArray(v) && v.length >= 8, 40_000);
      const file2 = join(dir, 'c2.yaml');
      writeFileSync(file2, config(out, 'logging: { tensorboard: true }\n'));
      const again = gcRun([file2, '--progress', 'none'], dir);
      assert.equal(again.status, 0, again.stderr);

      const runs = runDirs(out).filter((d) => basename(d) !== 'tensorboard');
      assert.equal(runs.length, 2);
      const resumed = runs.filter((d) => record(d).attempts.length === 2);
      assert.equal(resumed.length, 1, 'one run was killed and resumed');
      assert.ok(record(resumed[0]).attempts[1].from_epoch >= 1, 'resumed from a checkpoint');

      // purge 0: what the files themselves hold; purge 1: what TensorBoard shows after its restart purge.
      for (const purge of ['0', '1']) {
        const read = pythonJson(python!, READER, [logdir, purge]) as Record<string, RunRead>;
        assert.deepEqual(Object.keys(read).sort(), runs.map((d) => basename(d)).sort());
        for (const d of runs) {
          const r = read[basename(d)];
          const want = expectedSeries(d);
          for (const [col, series] of Object.entries(want)) {
            assert.deepEqual(r.scalars[col], series, `${basename(d)} ${col} (purge ${purge})`);
            assert.equal(r.plugins[col], 'scalars');
          }
          const csvCols = readFileSync(join(d, 'metrics.csv'), 'utf8').split('\n')[0].split(',');
          for (const tag of Object.keys(r.scalars)) assert.ok(tag === 'train/batch_loss' || csvCols.includes(tag), `unexpected tag ${tag}`);
          const lastStep = Number(csvRows(d).at(-1)![csvCols.indexOf('step')]);
          const steps = r.scalars['train/batch_loss'].map(([s]) => s);
          for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1], `batch-loss steps strictly increase in ${basename(d)}: ${steps}`);
          // 32 batches an epoch: every ceil(32 / STEP_POINTS_PER_EPOCH) = 2nd step, the epoch's last included.
          const every = Math.ceil(32 / STEP_POINTS_PER_EPOCH);
          assert.deepEqual(steps, Array.from({ length: lastStep }, (_, i) => i + 1).filter((s) => s % every === 0 || s % 32 === 0));
          assert.deepEqual(r.hparams, { 'optimizer.lr': record(d).swept['optimizer.lr'], seed: 0 });
          assert.equal(r.end, 1, 'session ended STATUS_SUCCESS');
        }
      }

      const id = basename(resumed[0]);
      assert.equal(id, killedId);
      // The live server drops what the resumed run redid (SessionLog START) and then shows each step once.
      const want = expectedSeries(resumed[0]).gc;
      const gc = await pollUntil(() => series(id, 'gc'), (v) => Array.isArray(v) && v.length >= want.length && v.at(-1)![1] === want.at(-1)![0], 40_000);
      assert.deepEqual(gc.map(([, step, v]) => [step, v]), want, 'the server shows each gc step once, with the CSV value');
      const lastStep = want.at(-1)![0];
      const batch = await pollUntil(() => series(id, 'train/batch_loss'), (v) => Array.isArray(v) && v.at(-1)?.[1] === lastStep, 40_000);
      const steps = batch.map(([, step]) => step);
      assert.ok(beforeResume.length < steps.length);
      assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b), `no batch-loss step twice on the live server: ${steps}`);
      assert.equal(steps.length, lastStep / Math.ceil(32 / STEP_POINTS_PER_EPOCH));
      const groups = (await pollUntil(
        () => get('/data/plugin/hparams/session_groups', { experimentName: '', allowedStatuses: ['STATUS_UNKNOWN', 'STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING'], colParams: [], startIndex: 0, sliceSize: 100 }),
        (v) => (v as { sessionGroups?: unknown[] }).sessionGroups?.length === 2,
        20_000,
      )) as { sessionGroups: { name: string; hparams: Record<string, number>; metricValues: { name: { tag: string }; value: number }[] }[] };
      for (const g of groups.sessionGroups) {
        const d = runs.find((r) => basename(r) === g.name)!;
        assert.ok(d, g.name);
        assert.equal(g.hparams['optimizer.lr'], record(d).swept['optimizer.lr']);
        const finalGc = expectedSeries(d).gc.at(-1)![1];
        assert.equal(g.metricValues.find((m) => m.name.tag === 'gc')!.value, finalGc, 'HParams shows the final gc');
      }
      const exp = (await get('/data/plugin/hparams/experiment', { experimentName: '' })) as { hparamInfos: { name: string; domainDiscrete?: number[] }[] };
      assert.deepEqual(exp.hparamInfos.find((h) => h.name === 'optimizer.lr')!.domainDiscrete, [0.05, 0.1]);
    } finally {
      await server?.stop();
      cleanup();
    }
  },
);

test(
  'a resumed writer cuts its earlier file back, and its SessionLog START makes TensorBoard (reader and server) drop steps it still holds from before',
  { skip: need.skip, timeout: 60_000 },
  async () => {
    assert.equal(need.missing, null, need.missing ?? '');
    const { dir, cleanup } = tempDir();
    let server: Awaited<ReturnType<typeof startTensorboard>> | null = null;
    try {
      const run = join(dir, 'now', 'r');
      const first = new EventFileWriter(run, null, () => 1_000_000_000);
      for (let s = 0; s <= 10; s++) first.scalars(s, { x: s });
      first.close();
      // What a TensorBoard that was watching has loaded: the first attempt's file as it was.
      const held = join(dir, 'held', 'r');
      mkdirSync(held, { recursive: true });
      for (const f of ownEventFiles(run)) copyFileSync(join(run, f), join(held, f));
      // Resumed from a checkpoint at step 5: steps 6.. are redone with other values.
      const second = new EventFileWriter(run, 5);
      for (let s = 6; s <= 8; s++) second.scalars(s, { x: 100 + s });
      second.close();
      copyFileSync(second.path, join(held, basename(second.path)));

      const want: Point[] = [0, 1, 2, 3, 4, 5, 106, 107, 108].map((v, i) => [i, v]);
      const read = (logdir: string, purge: string) => (pythonJson(python!, READER, [logdir, purge]) as Record<string, RunRead>).r.scalars.x;
      assert.deepEqual(read(join(dir, 'now'), '0'), want, 'the files on disk hold no step twice');
      assert.deepEqual(read(join(dir, 'held'), '1'), want, 'the restart purge drops the stale steps');
      assert.equal(read(join(dir, 'held'), '0').length, 11 + 3, 'without the purge they would show (the check is not vacuous)');
      server = await startTensorboard(python!, join(dir, 'held'));
      const url = `${server.url}/data/plugin/scalars/scalars?run=r&tag=x`;
      const got = await pollUntil(async () => (await fetch(url)).json() as Promise<[number, number, number][]>, (v) => Array.isArray(v) && v.length > 0, 40_000);
      assert.deepEqual(got.map(([, s, v]) => [s, v]), want, 'the TensorBoard server honours the START too');
    } finally {
      await server?.stop();
      cleanup();
    }
  },
);

test('TensorBoard turned on at a resume: the rows before it are written from metrics.csv, and the HParams session is there', { skip: need.skip, timeout: 90_000 }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'results');
    const file = join(dir, 'c.yaml');
    writeFileSync(file, config(out).replace('optimizer.lr: [0.05, 0.1]', 'optimizer.lr: [0.05]'));
    const bg = gcRunAsync([file, '--progress', 'none'], dir);
    await waitFor(() => runDirs(out).some((d) => csvRows(d).length >= 3), 60_000);
    bg.child.kill('SIGKILL');
    await bg.done;
    const again = gcRun([file, '--tensorboard', '--progress', 'none'], dir);
    assert.equal(again.status, 0, again.stderr);
    const [d] = runDirs(out).filter((x) => basename(x) !== 'tensorboard');
    assert.ok(record(d).attempts[1].from_epoch >= 1, 'resumed from a checkpoint');
    const r = (pythonJson(python!, READER, [join(out, 'tiny', 'tensorboard'), '1']) as Record<string, RunRead>)[basename(d)];
    for (const [col, series] of Object.entries(expectedSeries(d))) assert.deepEqual(r.scalars[col], series, col);
    assert.deepEqual(r.hparams, { 'optimizer.lr': 0.05, seed: 0 });
    assert.equal(r.end, 1);
  } finally {
    cleanup();
  }
});
