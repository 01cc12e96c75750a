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
 * The shard a cluster scheduler asks for, from the environment: a Slurm job array
 * (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT; the array must be 0..n-1) or a Kubernetes
 * Indexed Job (JOB_COMPLETION_INDEX with the count in GC_SHARD_COUNT). Null when none is set.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? int(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
    const id = int(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID') - min;
    return check(id, int(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT'), 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
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
