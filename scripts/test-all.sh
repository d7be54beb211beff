#!/usr/bin/env bash
# Runs every test project (unit, webgpu, component, e2e) once and ends with one plain line,
# "N passed, N failed", which CI reads. The e2e tests drive the built app, so build first.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .test-results
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
