#!/usr/bin/env bash
# The whole suite, as `npm test` runs it: install the peer tools it needs, type
# check, then every test. Interop tests fail (never skip) if a peer is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

node_version=$(node --version)
case "$node_version" in
  v2[4-9].*|v[3-9][0-9].*) ;;
  *) echo "test: running on Node $node_version; gatehouse needs Node 24 (npm ci installs it as a devDependency)" >&2; exit 1 ;;
esac
echo "test: Node $node_version"

bash scripts/install-tools.sh
tsc -p tsconfig.json
echo "test: type check passed"

report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
# One closing line in the plain form CI reads.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
exit $status
