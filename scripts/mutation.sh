#!/usr/bin/env bash
# `npm run test:mutation`: Stryker over src/ (stryker.config.mjs), then the
# per-folder summary in reports/mutation-summary.md. Arguments go to Stryker,
# e.g. `npm run test:mutation -- --force` (ignore the incremental result) or
# `npm run test:mutation -- --mutate 'src/db/**/*.ts'` (one folder).
# Not part of `npm test`: a full run takes 12-15 min on an idle 2-core machine and
# 30-40 min on a shared one (reports/mutation-baseline.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then npm ci; fi
start=$(date +%s)
npx stryker run "$@"
echo "stryker took $(( $(date +%s) - start )) s"
npx tsx scripts/mutation-incremental.ts
npx tsx scripts/mutation-summary.ts
