#!/usr/bin/env bash
# Runs every test project (unit, webgpu, component, e2e) once and ends with one plain line,
# "N passed, N failed", which CI reads. The e2e tests drive the built app, so build first.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .test-results

# WebGPU in Node (Dawn) finds SwiftShader's Vulkan driver through these; the loader reads
# LD_LIBRARY_PATH at process start, so it must be set before vitest starts its workers.
export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
export LD_LIBRARY_PATH="/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
results=.test-results/results.json
rm -f "$results"

if ! npx vite build --logLevel warn; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
vitest_status=$?

node scripts/summarize-tests.mjs "$results" "$vitest_status"
