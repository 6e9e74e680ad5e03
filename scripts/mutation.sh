#!/usr/bin/env bash
# `npm run test:mutation`: Stryker over src/ (stryker.config.mjs), then the
# per-folder summary in reports/mutation-summary.md. Arguments go to Stryker,
# e.g. `npm run test:mutation -- --force` (ignore the incremental result) or
# `npm run test:mutation -- --mutate 'src/db/**/*.ts,!src/**/preflight.ts'` (one
# folder; --mutate replaces the config's list, exclusions included, so repeat
# the ones that fall in that folder).
# Not part of `npm test`: a full run takes 12-15 min on an idle 2-core machine and
# 30-40 min on a shared one; run one folder at a time with --mutate (survivors
# judged equivalent: reports/mutation-equivalents.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then npm ci; fi
# Where the simulator is a workspace package built to dist/ (after the
# regroup), pool-fairness imports the built package: build it first.
if node -e 'process.exit(require("./package.json").scripts["build:sim"] ? 0 : 1)'; then npm run --silent build:sim; fi
start=$(date +%s)
npx stryker run "$@"
echo "stryker took $(( $(date +%s) - start )) s"
npx tsx scripts/mutation-incremental.ts
npx tsx scripts/mutation-summary.ts
