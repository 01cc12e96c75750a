/**
 * weight_norm_sq = ||θ||² over the trainable weights, and spectral_max / spectral_sum: the largest
 * and the sum over layers of σ_max(W_l), every epoch (epoch 0 included, whatever λ). The spectral
 * norms come from 50 power iterations warm-started from the spectral penalty's persistent vectors.
 */
import { sumOfSquares } from '../../metrics/classification.js';
import { WEIGHT_NORM_COLUMNS } from '../../results/columns.js';
import type { ColumnGroup, GroupContext } from './group.js';

export function weightNormsGroup({ params, spectral }: GroupContext): ColumnGroup {
  return {
    columns: WEIGHT_NORM_COLUMNS,
    when: 'every epoch',
    // spectral_*: the persistent vectors are not saved with a model, so a saved model gives them only to ~1e-6.
    ofModel: ['weight_norm_sq'],
    measure: async () => {
      const wn = sumOfSquares(params.all);
      const weight_norm_sq = (await wn.data())[0];
      wn.dispose();
      // Always measured (cheap): 50 power iterations from the persistent vectors converge.
      const sn = await spectral.measure(50);
      return { weight_norm_sq, spectral_max: sn.max, spectral_sum: sn.sum };
    },
  };
}
