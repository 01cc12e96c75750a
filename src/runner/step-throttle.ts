import type { StepProgress } from '../train/trainer.js';

/**
 * How often a `--jobs` worker tells the parent about training steps. A message per step (several
 * hundred a second for small models) cost the parent and the kernel measurable CPU that the
 * workers needed: the progress bars redraw a few times a second anyway.
 */
export const STEP_MESSAGE_INTERVAL_MS = 100;

/**
 * Wraps `forward` so that it gets at most one step per `intervalMs` (the latest), plus always the
 * first and the last batch of every epoch (so a bar never stalls short of its end).
 * `now` is injectable for tests (milliseconds).
 */
export function throttleSteps(
  forward: (p: StepProgress) => void,
  intervalMs = STEP_MESSAGE_INTERVAL_MS,
  now: () => number = () => performance.now(),
): (p: StepProgress) => void {
  let last = -Infinity;
  return (p) => {
    const t = now();
    if (p.batch <= 1 || p.batch >= p.batches || t - last >= intervalMs) {
      last = t;
      forward(p);
    }
  };
}
