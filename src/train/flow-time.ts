import type { RunConfig } from '../config/schema.js';

/**
 * The step at which a train.flow_time run ends: the first with lr × steps ≥ flow_time (a ratio
 * within 1e-9 of an integer counts as that integer, so 1 / 0.1 is 10 steps, not 11).
 */
export function flowTimeSteps(cfg: RunConfig): number {
  const t = cfg.train.flow_time;
  if (t === undefined || cfg.optimizer.name !== 'sgd') return Infinity;
  const r = t / cfg.optimizer.lr;
  return Math.abs(r - Math.round(r)) < 1e-9 * r ? Math.round(r) : Math.ceil(r);
}
