/**
 * Worker process of `gc-run --jobs N`: forked by src/runner/pool.ts with an IPC channel. It
 * selects its own backend, loads the data it needs itself, and trains one run at a time as the
 * parent hands them out. It prints nothing: everything goes to the parent as messages.
 */
import { describeBackend, selectBackend, type BackendInfo } from '../backend/select.js';
import type { LoadedDataset } from '../data/registry.js';
import { exitCodeFor } from '../errors/exit-code.js';
import { collectProvenance, type Provenance } from '../results/record.js';
import { datasetKey, loadDatasets, prepareRunData } from './data-prep.js';
import type { FromWorker, ToWorker, WorkerInit } from './pool-protocol.js';
import { executeRun } from './run-one.js';
import { throttleSteps } from './step-throttle.js';
import { needsTraining } from './sweep.js';
import type { PlannedRun } from '../config/sweep.js';

// After the parent is gone the channel is closed: results are on disk, messages have no reader.
const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};
const abort = new AbortController();
let init: WorkerInit | null = null;
let backend: (BackendInfo & { line: string }) | null = null;
let prov: Provenance | null = null;
const datasets = new Map<string, LoadedDataset>();

// Ctrl-C reaches the whole process group: stop at the next step like the parent asks, never die mid-write.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => abort.abort());
// The parent went away (killed): nothing will collect results, stop at the next step.
process.on('disconnect', () => {
  abort.abort();
  setTimeout(() => process.exit(130), 5_000).unref();
});

function fatal(err: unknown): never {
  const exitCode = exitCodeFor(err);
  send({ type: 'fatal', message: (err as Error)?.message ?? String(err), exitCode });
  process.exit(exitCode);
}

async function dataFor(run: PlannedRun) {
  const key = datasetKey(run.config);
  if (!datasets.has(key)) {
    const loaded = await loadDatasets([run.config], { dataDir: init!.dataDir, download: init!.download });
    datasets.set(key, loaded.get(key)!);
  }
  return prepareRunData(run.config, datasets.get(key)!);
}

async function train(run: PlannedRun): Promise<void> {
  // Load data before executeRun touches the run folder: missing data must leave nothing behind.
  const data = needsTraining(run, init!.restart) ? await dataFor(run).catch(fatal) : null;
  const outcome = await executeRun(
    run,
    () => data ?? dataFor(run),
    backend!,
    prov!,
    {
      onStart: ({ fromEpoch }) => send({ type: 'start', id: run.id, fromEpoch }),
      onStep: throttleSteps((p) => send({ type: 'step', p })),
      onEpoch: (row) => send({ type: 'epoch', row }),
    },
    { restart: init!.restart, signal: abort.signal, lock: init!.lock },
  ).catch(fatal);
  send({ type: 'done', outcome });
}

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      init = m;
      prov = collectProvenance(m.argv);
      selectBackend(m.backend)
        .then((info) => {
          backend = { ...info, line: describeBackend(info, m.backend) };
          send({ type: 'ready', backend: info.name, line: backend.line });
        })
        .catch(fatal);
      break;
    case 'run':
      if (abort.signal.aborted) send({ type: 'done', outcome: { id: m.run.id, status: 'interrupted', dir: '', earlier: true } });
      else void train(m.run);
      break;
    case 'stop':
      abort.abort();
      break;
    case 'exit':
      process.disconnect();
      break;
  }
});
