/**
 * The `*_penalty` columns: each term's UNWEIGHTED value averaged over the epoch's steps
 * (example-weighted), empty when its λ is 0 and at epoch 0 (src/regularizers/).
 */
import type { ColumnValues } from '../../results/columns.js';
import type { ColumnGroup, GroupContext } from './group.js';

export function penaltiesGroup({ terms }: GroupContext): ColumnGroup {
  return {
    columns: terms.map((t) => t.column),
    when: 'trained epochs',
    ofModel: [],
    measure: async ({ train }) => {
      const out: ColumnValues = {};
      terms.forEach((t, i) => {
        out[t.column] = train && t.lambda > 0 ? train.penalties[i] : null;
      });
      return out;
    },
  };
}
