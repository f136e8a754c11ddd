#!/usr/bin/env bash
# Lints an OpenAPI document (default: docs/openapi.json) with the two linters API teams use, pinned in
# infra/local/api-lint: Redocly CLI's "recommended" ruleset and Spectral's "spectral:oas" ruleset.
# Exit 0 only when neither reports anything (no error, no warning). Installs the linters first (npm ci) when
# node_modules is missing or older than package-lock.json. The Functions tests run this on docs/openapi.json.
#
# Usage: infra/local/api-lint.sh [document]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LINT_DIR="$SCRIPT_DIR/api-lint"
DOCUMENT="$(realpath "${1:-$REPO_ROOT/docs/openapi.json}")"

command -v node >/dev/null 2>&1 || { echo "api-lint: node is not on PATH (Node.js 20 or later is needed)" >&2; exit 2; }
if [[ ! -x "$LINT_DIR/node_modules/.bin/redocly" || ! -x "$LINT_DIR/node_modules/.bin/spectral" ||
      "$LINT_DIR/package-lock.json" -nt "$LINT_DIR/node_modules/.package-lock.json" ]]; then
  echo "api-lint: npm ci in $LINT_DIR ..."
  # A lock file so that two test runs do not install over each other.
  exec 9>"$LINT_DIR/.install.lock"
  flock 9
  (cd "$LINT_DIR" && npm ci --no-audit --no-fund --loglevel=error) || { echo "api-lint: npm ci failed in $LINT_DIR" >&2; exit 2; }
  touch "$LINT_DIR/node_modules/.package-lock.json"
  flock -u 9
fi

rc=0
echo "== Redocly CLI (recommended) =="
# Warnings count as failures here: the JSON report's totals decide, the readable report is shown.
"$LINT_DIR/node_modules/.bin/redocly" lint --extends=recommended --format=codeframe --max-problems=1000 "$DOCUMENT" 2>&1 | grep -v -e '║' -e '╔' -e '╚' || true
totals="$("$LINT_DIR/node_modules/.bin/redocly" lint --extends=recommended --format=json "$DOCUMENT" 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s.slice(s.indexOf("{"))).totals;console.log(t.errors+t.warnings)})')" || totals=unknown
echo "redocly: $totals problems (errors + warnings)"
[[ "$totals" == "0" ]] || rc=1

echo "== Spectral (spectral:oas) =="
if ! out="$("$LINT_DIR/node_modules/.bin/spectral" lint --ruleset "$LINT_DIR/.spectral.yaml" --fail-severity=hint "$DOCUMENT" 2>&1)"; then rc=1; fi
echo "$out"

exit "$rc"
