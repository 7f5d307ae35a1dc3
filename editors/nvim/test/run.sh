#!/usr/bin/env bash
# Runs the Neovim plugin's tests in headless Neovim, loading the plugin the
# ways users do: on 'runtimepath', as a package on 'packpath', and (for
# Neovim 0.7) with filetype.lua switched on. Prints one line per test
# ("ok", "not ok", or "skip" with the reason) and a closing count; exits
# non-zero on any failure.
#
# Specs:
#   ft_spec.lua   filetype detection, ftplugin options, indentation, syntax
#   lsp_spec.lua  setup() wiring against fake_lsp.js, a stand-in server
#   e2e_spec.lua  the real bt-lsp: diagnostics, completion, hover and
#                 definition through setup(). bt-lsp is built from this
#                 checkout with $GO (default go) unless $BT_LSP names a
#                 bt-lsp binary to use instead.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
plugin="$(dirname "$here")"
NVIM="${NVIM:-nvim}"

if ! command -v "$NVIM" >/dev/null; then
  echo "nvim not found: skipping the Neovim plugin tests"
  exit 0
fi
echo "# $("$NVIM" --version | head -1)"

pack="$(mktemp -d)"
trap 'rm -rf "$pack"' EXIT
repo="$(cd "$plugin/../.." && pwd)"

mkdir -p "$pack/pack/bt/start"
ln -s "$plugin" "$pack/pack/bt/start/bt"

passed=0
failed=0
skipped=0
run() { # label spec nvim-args...
  local label="$1" spec="$2" out status
  shift 2
  out="$(cd "$plugin" && BT_TEST_LABEL="$label" timeout 120 "$NVIM" --headless --clean "$@" \
    -c "luafile $here/$spec" 2>&1)"
  status=$?
  printf '%s\n' "$out" | grep -v '^# .* passed, .* failed'
  local p f
  p="$(printf '%s\n' "$out" | grep -c '^ok - ')"
  f="$(printf '%s\n' "$out" | grep -c '^not ok - ')"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - [$label] $spec did not finish (exit $status)"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + $(printf '%s\n' "$out" | grep -c '^skip - ')))
}

run rtp ft_spec.lua --cmd "set rtp^=$plugin"
run packpath ft_spec.lua --cmd "set packpath^=$pack"
run filetype.lua ft_spec.lua --cmd "let g:do_filetype_lua = 1" --cmd "set rtp^=$plugin"
if command -v node >/dev/null; then
  run lsp lsp_spec.lua --cmd "set rtp^=$plugin"
else
  echo "node not found: skipping lsp_spec.lua (its stand-in server is a Node script)"
fi

# The end-to-end spec with the real server.
GO="${GO:-go}"
bt_lsp="${BT_LSP:-}"
case "$bt_lsp" in
  "") ;;
  */*) bt_lsp="$(readlink -f "$bt_lsp" || echo "$bt_lsp")" ;; # the spec runs in $plugin
  *) bt_lsp="$(command -v "$bt_lsp" || echo "$bt_lsp")" ;;
esac
if [ -z "$bt_lsp" ]; then
  if command -v "$GO" >/dev/null; then
    bt_lsp="$pack/bt-lsp"
    if ! build_out="$(cd "$repo" && "$GO" build -o "$bt_lsp" ./cmd/bt-lsp 2>&1)"; then
      echo "not ok - [e2e] go build ./cmd/bt-lsp"
      printf '%s\n' "$build_out" | sed 's/^/    /'
      failed=$((failed + 1))
      bt_lsp=""
    fi
  else
    echo "skip - [e2e] e2e_spec.lua: $GO not found to build bt-lsp (or set BT_LSP)"
    skipped=$((skipped + 1))
  fi
fi
if [ -n "$bt_lsp" ]; then
  BT_LSP="$bt_lsp" run e2e e2e_spec.lua --cmd "set rtp^=$plugin"
fi

summary="nvim: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
