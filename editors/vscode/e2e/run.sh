#!/usr/bin/env bash
# Runs the extension inside VS Code (code-server) under headless Chromium:
# installs the tools (setup.sh, cached), builds bt and bt-lsp from this
# checkout ($GO, default go) and the .vsix (vsce, from editors/vscode's
# node_modules), then runs vscode.e2e.test.mjs. When the tools cannot be
# installed it prints "skip - <reason>" and exits 0; a failing test exits 1.
# Screenshots and the code-server log go to $BT_E2E_ARTIFACTS (default
# editors/vscode/e2e/artifacts, git-ignored).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ext="$(dirname "$here")"
repo="$(cd "$ext/../.." && pwd)"
GO="${GO:-go}"
start=$(date +%s)

"$here/setup.sh"
case $? in
  0) ;;
  2) echo "skip - VS Code end-to-end test: the tools above could not be installed"; exit 0 ;;
  *) echo "not ok - VS Code end-to-end test: setup failed"; exit 1 ;;
esac
echo "# setup: $(($(date +%s) - start)) s"

command -v "$GO" >/dev/null || { echo "skip - VS Code end-to-end test: $GO not found to build bt and bt-lsp"; exit 0; }
[ -x "$ext/node_modules/.bin/vsce" ] || { echo "not ok - VS Code end-to-end test: no vsce in $ext/node_modules (run npm ci there)"; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! out="$(cd "$repo" && "$GO" build -o "$tmp/bin/" ./cmd/bt ./cmd/bt-lsp 2>&1)"; then
  echo "not ok - VS Code end-to-end test: go build ./cmd/bt ./cmd/bt-lsp"
  printf '%s\n' "$out" | sed 's/^/    /'
  exit 1
fi
if ! out="$(cd "$ext" && node_modules/.bin/vsce package --no-dependencies --out "$tmp/bt.vsix" 2>&1)"; then
  echo "not ok - VS Code end-to-end test: vsce package"
  printf '%s\n' "$out" | sed 's/^/    /'
  exit 1
fi
echo "# build: $(($(date +%s) - start)) s"

node24="$here/node24/node_modules/.bin"
BT_VSIX="$tmp/bt.vsix" BT_BIN="$tmp/bin" CODE_SERVER="$here/node_modules/.bin/code-server" \
  PATH="$node24:$PATH" timeout 900 node --test --test-reporter=spec "$here/vscode.e2e.test.mjs"
status=$?
echo "# VS Code end-to-end: $(($(date +%s) - start)) s, artefacts in ${BT_E2E_ARTIFACTS:-$here/artifacts}"
exit $status
