import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, csvRows, gcRun, runDirs, waitFor } from '../helpers/cli.js';
import { findOnPath, requirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * gc-run under a real terminal: tmux (160×40) on a private socket, keys sent and the screen read
 * back with capture-pane. CI is unset inside, so `--progress auto` picks the bars as a user gets them.
 */
const TMUX = findOnPath('tmux');
const need = requirement('tmux', TMUX ? [] : ['tmux'], 'apt-get install -y tmux');

function config(out: string): string {
  // train.flow_time 9.6 = lr × steps (32 steps an epoch): lr 0.05 stops at step 192 (epoch 6 of 8),
  // 0.1 at 96 (epoch 3), 0.2 at 48 (half-way through epoch 2).
  return `experiment: tiny
output_dir: ${JSON.stringify(out)}
backend: cpu
dataset: { name: fashion-mnist, train_size: 256, test_size: 40 }
model: { arch: mlp, widths: [16] }
optimizer: { lr: 0.1 }
train: { batch_size: 8, epochs: 8, flow_time: 9.6 }
gc: { examples: 16, batch_size: 8 }
sweep: { grid: { optimizer.lr: [0.05, 0.1, 0.2] }, seeds: [0] }
`;
}

class Terminal {
  private readonly sock = `gc-run-test-${process.pid}-${Date.now()}`;
  constructor(cwd: string) {
    this.tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', 't', '-c', cwd, 'env -u CI PS1="$ " bash --norc --noprofile');
  }
  tmux(...args: string[]): string {
    const r = spawnSync(TMUX!, ['-L', this.sock, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
  type(line: string): void {
    this.tmux('send-keys', '-t', 't', '-l', line);
    this.tmux('send-keys', '-t', 't', 'Enter');
  }
  /** The screen and its scrollback, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', 't', '-S', '-500');
  }
  async waitFor(re: RegExp, ms = 60_000): Promise<string> {
    let s = '';
    await waitFor(() => re.test((s = this.screen())), ms).catch(() => {
      throw new Error(`${re} not on screen within ${ms} ms:\n${s}`);
    });
    return s;
  }
  close(): void {
    spawnSync(TMUX!, ['-L', this.sock, 'kill-server']);
  }
}

test('terminal: ETA on both bars, Ctrl-C leaves unstarted runs pending and ends by SIGINT, resume banner, bars end at the flow-time stop, end summary', { skip: need.skip, timeout: 180_000 }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const { dir, cleanup } = tempDir();
  const term = new Terminal(dir);
  try {
    const out = join(dir, 'results');
    writeFileSync(join(dir, 'c.yaml'), config(out));
    const cmd = `node ${JSON.stringify(BIN)} c.yaml`;
    term.type(`${cmd}; echo "AFTER:$?"`);
    // Both bars show elapsed time and an ETA while the first run trains.
    await term.waitFor(/^sweep .*0\/3 \d+(m\d+)?s, ETA \d/m);
    await term.waitFor(/^epoch .*\/8 \d+s, ETA \d/m);
    await waitFor(() => runDirs(out).some((d) => csvRows(d).length >= 2), 60_000);
    term.tmux('send-keys', '-t', 't', 'C-c');
    let s = await term.waitFor(/interrupted; re-run/);
    assert.match(s, /gc-run: SIGINT: stopping at the next step/, 'the Ctrl-C line is not drawn over by the bars');
    assert.match(s, /run 1\/3 lr=0\.05-s0: interrupted/);
    assert.match(s, /1 interrupted \(resumable\), 2 pending \(not started\)/);
    term.type('echo "STATUS:$?"');
    s = await term.waitFor(/STATUS:\d+/);
    assert.match(s, /STATUS:130/);
    // Killed by SIGINT (not a plain exit 130): the shell drops the rest of the command line.
    assert.doesNotMatch(s, /AFTER:\d/);

    const plan = JSON.parse(gcRun([join(dir, 'c.yaml'), '--dry-run', '--json'], dir).stdout).runs as { id: string; status: string; epoch?: number }[];
    const partial = plan.find((e) => e.status === 'partial')!;
    assert.ok(partial, JSON.stringify(plan));
    term.tmux('send-keys', '-t', 't', 'clear', 'Enter');
    term.tmux('clear-history', '-t', 't');
    term.type(`${cmd}; echo "DONE:$?"`);
    s = await term.waitFor(/DONE:\d+/, 120_000);
    assert.match(s, /DONE:0/);
    assert.match(s, new RegExp(`0 of 3 complete; resuming lr=0\\.05-s0 at epoch ${partial.epoch! + 1}`));
    // Each run ends at its flow-time stop, and says so.
    assert.match(s, /run 1\/3 lr=0\.05-s0: complete: flow time 9\.6 reached at epoch 6 of 8 \(step 192\)/);
    assert.match(s, /run 2\/3 lr=0\.1-s0: complete: flow time 9\.6 reached at epoch 3 of 8 \(step 96\)/);
    assert.match(s, /run 3\/3 lr=0\.2-s0: complete: flow time 9\.6 reached at epoch 2 of 8 \(step 48\)/);
    assert.match(s, /^epoch .*\] 2\/2 /m, 'the last run bar ends full at its stopping epoch');
    assert.match(s, /^sweep .*\] 3\/3 /m);
    assert.match(s, /3 complete \(1 resumed from a checkpoint\)/);
    assert.match(s, /reproduction: final GC vs optimizer\.lr: Spearman ρ -?\d\.\d+ over 3 complete run\(s\) \(paper falls\)/);
    assert.match(s, /next: npx gc-report --repro /);

    // A re-run counts the complete runs on its sweep bar from the start.
    term.tmux('send-keys', '-t', 't', 'clear', 'Enter');
    term.tmux('clear-history', '-t', 't');
    term.type(`${cmd} --set 'sweep.seeds=[0,1]' --jobs 2; echo "DONE2:$?"`);
    s = await term.waitFor(/^sweep .*\] 3\/6 /m);
    assert.match(s, /3 of 6 complete/);
    s = await term.waitFor(/DONE2:\d+/, 120_000);
    assert.match(s, /DONE2:0/);
    assert.match(s, /^sweep .*\] 6\/6 /m);
    // No worker line left behind: finished runs leave a log line, no bar says "starting" or stays.
    assert.doesNotMatch(s, /starting/);
    assert.doesNotMatch(s, /^w\d\s+\[/m, s);
    assert.equal((s.match(/^w\d run \d\/6 .*: complete/gm) ?? []).length, 3);
  } finally {
    term.close();
    cleanup();
  }
});
