#!/usr/bin/env bash
# The project's one test command (`npm test`). It installs what the tests need
# and is missing (npm packages, Debian tools such as promtool and a Docker
# engine), builds the simulator package and the service (tests run the built
# output, as production does), then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then npm ci; fi
bash scripts/ensure-tools.sh
# Before the typecheck: the service's tests import the package's built types.
npm run --silent build:sim
npm run --silent typecheck
npm run --silent build

results=.vitest/results.json
mkdir -p .vitest
rm -f "$results"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line that any CI reader understands.
if [ -f "$results" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$results"
fi
exit "$status"
