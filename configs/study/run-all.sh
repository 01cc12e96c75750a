#!/usr/bin/env bash
# Runs the whole study (docs/STUDY.md) as two lanes of one gc-run command per config, each lane
# training one run at a time: two runs at once in all, like --jobs 2, but no worker idles at the
# end of a config. Results under ${OUT:-results/study}; a re-run skips complete runs and resumes
# the rest. Then: node configs/study/table.mjs ${OUT:-results/study}
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-results/study}
run() { echo "$(date -u +%FT%TZ) start $1"; node bin/gc-run.js "configs/study/$1.yaml" --out "$OUT" --jobs 1 --progress lines; echo "$(date -u +%FT%TZ) end $1 (exit $?)"; }
lane_a() {
  run mlp-lr-ce-acc; run mlp-bs-ce-flow; run mlp-lr-ce-flow; run cnn-bs-ce-flow
  run mlp-lr-mse-acc; run cnn-lr-ce-acc; run cnn-bs-mse-acc; run cnn-lr-ce-flow
}
lane_b() {
  run mlp-bs-ce-acc; run mlp-bs-mse-flow; run mlp-lr-mse-flow; run cnn-bs-mse-flow
  run mlp-bs-mse-acc; run cnn-bs-ce-acc; run cnn-lr-mse-acc; run cnn-lr-mse-flow
}
echo "$(date -u +%FT%TZ) study start, commit $(git rev-parse --short HEAD)"
lane_a > "$OUT.lane-a.log" 2>&1 &
lane_b > "$OUT.lane-b.log" 2>&1 &
wait
echo "$(date -u +%FT%TZ) study end"
