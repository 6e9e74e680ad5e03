#!/usr/bin/env bash
# The project's one test command (`npm test`). It installs what the tests need
# and is missing (npm packages, Debian tools such as promtool and a Docker
# engine), builds the service (integration tests run the built output, as
# production does), then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then npm ci; fi
bash scripts/ensure-tools.sh
npm run --silent typecheck
npm run --silent build
exec npx vitest run "$@"
