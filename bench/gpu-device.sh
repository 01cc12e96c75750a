#!/usr/bin/env bash
# Runs `npm run bench:gpu` on a GPU machine that reaches no registry and may lack Node, from the
# archive bench/pack-device.mjs made. Usage (from the repository root there):
#   bash bench/gpu-device.sh [archive] [bench flags...]   (archive default .device/gc-run-device.tar.xz)
# Vulkan: if `ldconfig -p` shows no libvulkan, unpack the loader .debs in .gl/ (see the device
# tool's README); if Dawn finds no driver, point the loader at the NVIDIA ICD. Output goes to
# stdout and, when OUT is set, to $OUT/gpu-bench.md.
set -euo pipefail
archive=${1:-.device/gc-run-device.tar.xz}
shift || true
work=$(mktemp -d /tmp/gc-run-device.XXXXXX)
tar -xJf "$archive" -C "$work"
app=$work/gc-run
if ! ldconfig -p | grep -q libvulkan.so.1; then
  if ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    echo "gpu-device.sh: no libvulkan.so.1 and no .gl/*.deb to unpack; webgpu will find no Vulkan adapter" >&2
  fi
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ] && ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$icd
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
# PyTorch beside ours: the machine's python3 (bench/torch_gpu.py exits 3 without torch + CUDA).
export PYTHON=${PYTHON:-python3}
cd "$app"
log=${OUT:+$OUT/gpu-bench.md}
if [ -n "$log" ]; then
  bin/node dist/bench/gpu.js "$@" 2>&1 | tee "$log"
else
  bin/node dist/bench/gpu.js "$@"
fi
