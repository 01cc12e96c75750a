/**
 * Serializable training state: everything a Trainer needs to continue bit-identically after a
 * restart. Tensors travel as named Float32Arrays so the checkpoint writer stays tf-free.
 */

/** One named array of a state (a weight, an optimizer slot, a power-iteration vector…). */
export interface NamedArray {
  /** Unique within its group, e.g. `model/0:dense_Dense1/kernel`. */
  name: string;
  /** Tensor shape ([] for a scalar). */
  shape: number[];
  /** Stored as float32; int32 tensors (optimizer iteration counter) round-trip exactly below 2^24. */
  dtype: 'float32' | 'int32';
  data: Float32Array;
}

/** A part of a trainer with persistent state beyond the model and optimizer. */
export interface StatefulPart {
  /** Stable key of this part in a checkpoint (e.g. the penalty's CSV column). */
  readonly stateKey: string;
  /** Copies the state out (must not keep references to tensors). */
  getState(): NamedArray[] | Promise<NamedArray[]>;
  /** Restores a state returned by getState (same shapes). */
  setState(arrays: NamedArray[]): void;
}

/** Whether an object (e.g. a penalty term) carries persistent state of its own. */
export function isStateful(x: unknown): x is StatefulPart {
  const o = x as Partial<StatefulPart> | null;
  return !!o && typeof o.stateKey === 'string' && typeof o.getState === 'function' && typeof o.setState === 'function';
}

/**
 * A Trainer's full state. Array groups: `model` (model.getWeights(), all weights in model order,
 * incl. non-trainable ones such as batch-norm moving statistics), `optimizer`
 * (optimizer.getWeights(): iteration counter then slots), and one group per StatefulPart.
 */
export interface TrainerState {
  step: number;
  epoch: number;
  /** Rng.getState() of each random stream the trainer holds, by name. */
  rngs: Record<string, number[]>;
  groups: Record<string, NamedArray[]>;
}
