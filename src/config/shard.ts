import { UsageError } from '../errors/errors.js';

/** Shard i of n (0-based): runs i, i+n, i+2n, … of the sweep's deterministic order. */
export interface Shard {
  index: number;
  count: number;
  /** Where it came from, for the log line: `--shard`, `SLURM_ARRAY_TASK_ID`, … */
  source: string;
}

function int(value: string, what: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${what}: expected a non-negative integer, got '${value}'`);
  return Number(value.trim());
}

function check(index: number, count: number, source: string): Shard {
  if (count < 1) throw new UsageError(`${source}: shard count must be at least 1 (got ${count})`);
  if (index >= count) throw new UsageError(`${source}: shard index ${index} is not below the count ${count} (indices are 0-based)`);
  return { index, count, source };
}

/** Parses `--shard i/n`. */
export function parseShard(arg: string): Shard {
  const m = /^\s*(\S+)\s*\/\s*(\S+)\s*$/.exec(arg);
  if (!m) throw new UsageError(`--shard ${arg}: expected i/n, e.g. --shard 0/4`);
  return check(int(m[1], `--shard ${arg}`), int(m[2], `--shard ${arg}`), '--shard');
}

/**
 * A Slurm array task's shard. The array must be an evenly spaced range (`--array=0-7`, `1-8`,
 * `0-14:2`): task ids min, min+step, …, max are shards 0..n-1. Slurm 22.05 sets STEP=1 for a list
 * such as `--array=1,3`, whose tasks cannot tell their shard: refused, or task 3 would fail and task
 * 1 would quietly train shard 0's runs.
 */
function slurmShard(env: NodeJS.ProcessEnv): Shard {
  const source = 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT';
  const count = int(env.SLURM_ARRAY_TASK_COUNT!, 'SLURM_ARRAY_TASK_COUNT');
  const id = int(env.SLURM_ARRAY_TASK_ID!, 'SLURM_ARRAY_TASK_ID');
  const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? int(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
  const step = env.SLURM_ARRAY_TASK_STEP !== undefined ? int(env.SLURM_ARRAY_TASK_STEP, 'SLURM_ARRAY_TASK_STEP') : 1;
  const max = env.SLURM_ARRAY_TASK_MAX !== undefined ? int(env.SLURM_ARRAY_TASK_MAX, 'SLURM_ARRAY_TASK_MAX') : min + (count - 1) * step;
  if (step < 1 || max - min !== (count - 1) * step || id < min || (id - min) % step !== 0) {
    throw new UsageError(
      `Slurm array task ${id}: the array (${count} task(s), ids ${min}..${max}, step ${step}) is not an evenly spaced range, ` +
        `so its tasks cannot tell their shards: submit a range (e.g. --array=0-${count - 1}; resubmitting the whole array skips complete runs) or pass --shard i/n`,
    );
  }
  return check((id - min) / step, count, source);
}

/**
 * The shard a cluster scheduler asks for, from the environment: a Slurm job array
 * (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, with MIN/MAX/STEP; see slurmShard; an id without a count is
 * refused) or a Kubernetes
 * Indexed Job (JOB_COMPLETION_INDEX with the count in GC_SHARD_COUNT). Null when none is set.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    // Without the count a task cannot tell which runs are its own: training every run in every task
    // would repeat the whole sweep once per task (and race them on the same run folders' locks).
    if (env.SLURM_ARRAY_TASK_COUNT === undefined) {
      throw new UsageError(
        'SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: export SLURM_ARRAY_TASK_COUNT=<number of array tasks> ' +
          '(Slurm sets it for an --array job) or pass --shard i/n',
      );
    }
    return slurmShard(env);
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.GC_SHARD_COUNT === undefined) {
      throw new UsageError('JOB_COMPLETION_INDEX is set but GC_SHARD_COUNT is not: set it to the Job\'s completions (or pass --shard i/n)');
    }
    return check(int(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX'), int(env.GC_SHARD_COUNT, 'GC_SHARD_COUNT'), 'JOB_COMPLETION_INDEX/GC_SHARD_COUNT');
  }
  return null;
}

/** The runs of one shard, by position in the full plan (`items` in sweep order). */
export function selectShard<T>(items: readonly T[], shard: Shard | null): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index) : [...items];
}
