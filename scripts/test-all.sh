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
# The WebGPU and browser tests need Debian's Chromium (its SwiftShader Vulkan driver too). As root
# with apt (CI, a fresh container) it is installed here; otherwise say exactly what is missing.
if [ ! -x /usr/bin/chromium ] || [ ! -f "$VK_ICD_FILENAMES" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is missing: installing it with apt-get (the WebGPU and browser tests need it)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -x /usr/bin/chromium ] || [ ! -f "$VK_ICD_FILENAMES" ]; then
    echo "Chromium is missing (/usr/bin/chromium and $VK_ICD_FILENAMES): the WebGPU and browser tests need it."
    echo "Install it with: sudo apt-get install -y chromium   (Debian or Ubuntu), then run npm test again."
    echo "Only the Node tests, without it: npm run test:unit"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

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
