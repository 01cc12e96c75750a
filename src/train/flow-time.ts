import type { RunConfig } from '../config/schema.js';
import { nominalLr } from './optimizer.js';

/**
 * The step at which a train.flow_time run ends: the first with lr × steps ≥ flow_time (a ratio
 * within 1e-9 of an integer counts as that integer, so 1 / 0.1 is 10 steps, not 11). The schema
 * allows train.flow_time with plain sgd only.
 */
export function flowTimeSteps(cfg: RunConfig): number {
  const t = cfg.train.flow_time;
  if (t === undefined) return Infinity;
  const r = t / nominalLr(cfg.optimizer);
  return Math.abs(r - Math.round(r)) < 1e-9 * r ? Math.round(r) : Math.ceil(r);
}
