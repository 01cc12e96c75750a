import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile, validateExperiment } from '../../src/config/load.js';
import { expandSweep } from '../../src/config/sweep.js';
import { packageRoot } from '../../src/results/record.js';

// The study's configs (docs/STUDY.md) are run by hand, hours at a time: a typo must fail here, not
// an hour into configs/study/run-all.sh.
for (const dir of ['configs/study', 'configs/study/followup']) {
  const files = readdirSync(join(packageRoot(), dir)).filter((f) => f.endsWith('.yaml'));
  test(`${dir}: every cell is a valid sweep of 3 seeds, named study-<cell>`, () => {
    assert.ok(files.length >= 4);
    for (const f of files) {
      const file = join(packageRoot(), dir, f);
      const exp = validateExperiment(readConfigFile(file), file);
      assert.equal(exp.experiment, `study-${f.replace(/\.yaml$/, '')}`, file);
      assert.deepEqual(exp.sweep!.seeds, [0, 1, 2], file);
      const [values] = Object.values(exp.sweep!.grid);
      assert.equal(expandSweep(exp, file).length, values.length * 3, file);
    }
  });
}
