#!/usr/bin/env bash
# Runs the Emacs end-to-end test (eglot-e2e.el) in batch mode against the
# real bt-lsp: built from this checkout with $GO (default go) unless
# $BT_LSP names a bt-lsp binary. Needs Emacs 28+ with eglot (Debian 12:
# emacs-nox and elpa-eglot); without them it says so and exits 0.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
EMACS="${EMACS:-emacs}"
GO="${GO:-go}"

if ! command -v "$EMACS" >/dev/null; then
  echo "emacs not found: skipping the Emacs test"
  exit 0
fi
if ! "$EMACS" --batch --eval '(progn (require (quote package)) (package-initialize) (require (quote eglot)))' >/dev/null 2>&1; then
  echo "eglot not found in $EMACS (Debian: elpa-eglot): skipping the Emacs test"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
if [ -n "${BT_LSP:-}" ]; then
  ln -s "$(readlink -f "$(command -v "$BT_LSP")")" "$tmp/bin/bt-lsp"
elif ! out="$(cd "$repo" && "$GO" build -o "$tmp/bin/bt-lsp" ./cmd/bt-lsp 2>&1)"; then
  echo "not ok - [emacs] go build ./cmd/bt-lsp"
  printf '%s\n' "$out" | sed 's/^/    /'
  echo "emacs: 0 passed, 1 failed"
  exit 1
fi

# eglot and jsonrpc print progress to stderr; the test's lines go to stdout.
BT_LSP_DIR="$tmp/bin" BT_DOCS="$repo/docs/editors.md" timeout 300 "$EMACS" --batch -l "$here/eglot-e2e.el" \
  >"$tmp/stdout" 2>"$tmp/stderr"
status=$?
cat "$tmp/stdout"
if [ "$status" -ne 0 ]; then
  grep -q '^emacs: .* passed, .* failed' "$tmp/stdout" || echo "not ok - [emacs] eglot-e2e.el did not finish (exit $status)"
  echo "# emacs stderr, last lines:"
  tail -40 "$tmp/stderr" | sed 's/^/#   /'
fi
exit $status
