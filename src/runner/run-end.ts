import type { PlannedRun } from '../config/sweep.js';
import { readRecord, type RunOutcome } from './run-one.js';

/**
 * How a run that trained now ended, in one line for the progress display: the status, and for a
 * run that stopped before its last epoch why (stop rule, flow time, divergence), read from run.json.
 */
export function describeEnd(outcome: RunOutcome, run: PlannedRun): string {
  const total = run.config.train.epochs;
  if (outcome.status === 'diverged' || outcome.status === 'failed') {
    const e = outcome.error;
    return e ? `${outcome.status} at epoch ${e.epoch}: ${e.message}` : outcome.status;
  }
  if (outcome.status !== 'complete') return outcome.status;
  const rec = readRecord(outcome.dir);
  const early = rec?.stopped_early;
  if (early) {
    const target = run.config.train.stop_train_acc;
    return `complete: stopped at epoch ${early.epoch} of ${total}, train_acc ${early.train_acc.toPrecision(4)} >= stop_train_acc ${target}`;
  }
  const flow = rec?.flow_time_reached;
  if (flow) return `complete: flow time ${flow.flow_time} reached at epoch ${flow.epoch} of ${total} (step ${flow.step})`;
  return 'complete';
}
