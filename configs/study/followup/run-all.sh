#!/usr/bin/env bash
# Runs the follow-up study (docs/STUDY.md, "Follow-up") as two lanes of one gc-run command per
# config, one run at a time per lane (two at once in all). Results under
# ${OUT:-results/study-followup}; a re-run skips complete runs and resumes the rest. Then:
# node configs/study/table.mjs results/study --followup ${OUT:-results/study-followup}
set -u
cd "$(dirname "$0")/../../.."
OUT=${OUT:-results/study-followup}
mkdir -p "$OUT"
run() { echo "$(date -u +%FT%TZ) start $1"; node bin/gc-run.js "configs/study/followup/$1.yaml" --out "$OUT" --jobs 1 --progress lines; echo "$(date -u +%FT%TZ) end $1 (exit $?)"; }
lane_a() { run cnn-lr-mse-flow; }
lane_b() { run cnn-lr-ce-acc; run cnn-bs-ce-acc; run cnn-bs-mse-flow; }
echo "$(date -u +%FT%TZ) follow-up start, commit $(git rev-parse --short HEAD)"
lane_a > "$OUT.lane-a.log" 2>&1 &
lane_b > "$OUT.lane-b.log" 2>&1 &
wait
echo "$(date -u +%FT%TZ) follow-up end"
