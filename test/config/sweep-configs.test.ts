import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile, validateExperiment } from '../../src/config/load.js';
import { expandSweep } from '../../src/config/sweep.js';
import { packageRoot } from '../../src/results/record.js';

const SWEEPS = ['lr', 'batch-size', 'init-scale', 'weight-decay', 'spectral', 'flatness', 'label-noise', 'gc-penalty'];

for (const name of SWEEPS) {
  test(`configs/${name}-sweep.yaml: valid, ≥3 seeds x ≥3 knob values, opens with command/runtime/trend`, () => {
    const file = join(packageRoot(), 'configs', `${name}-sweep.yaml`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^# Command: +npx gc-run configs/${name}-sweep\\.yaml.*\\n# Runtime: +.*\\d.*min.*\\n# Expected: `));
    const exp = validateExperiment(readConfigFile(file), file);
    const [key, values] = Object.entries(exp.sweep!.grid)[0];
    assert.ok(values.length >= 3 && exp.sweep!.seeds.length >= 3);
    if (key.startsWith('regularizers.')) assert.ok(values.includes(0), `${key} should include 0`);
    assert.equal(expandSweep(exp, file).length, values.length * exp.sweep!.seeds.length);
  });
}
