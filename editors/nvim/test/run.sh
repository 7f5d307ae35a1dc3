#!/usr/bin/env bash
# Runs the Neovim plugin's tests in headless Neovim, loading the plugin the
# ways users do: on 'runtimepath', as a package on 'packpath', and (for
# Neovim 0.7) with filetype.lua switched on. Prints one line per test and a
# closing "N passed, N failed"; exits non-zero on any failure.
#
# Specs:
#   ft_spec.lua   filetype detection, ftplugin options, indentation, syntax
#   lsp_spec.lua  setup() wiring against fake_lsp.js, a stand-in server
# The end-to-end spec against the real bt-lsp (diagnostics and completion
# from a running server) joins this list once bt-lsp speaks LSP.
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
mkdir -p "$pack/pack/bt/start"
ln -s "$plugin" "$pack/pack/bt/start/bt"

passed=0
failed=0
run() { # label spec nvim-args...
  local label="$1" spec="$2" out status
  shift 2
  out="$(cd "$plugin" && BT_TEST_LABEL="$label" timeout 120 "$NVIM" --headless --clean "$@" \
    -c "luafile $here/$spec" 2>&1)"
  status=$?
  printf '%s\n' "$out" | grep -v '^# .* passed, .* failed$'
  local p f
  p="$(printf '%s\n' "$out" | grep -c '^ok - ')"
  f="$(printf '%s\n' "$out" | grep -c '^not ok - ')"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - [$label] $spec did not finish (exit $status)"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

run rtp ft_spec.lua --cmd "set rtp^=$plugin"
run packpath ft_spec.lua --cmd "set packpath^=$pack"
run filetype.lua ft_spec.lua --cmd "let g:do_filetype_lua = 1" --cmd "set rtp^=$plugin"
if command -v node >/dev/null; then
  run lsp lsp_spec.lua --cmd "set rtp^=$plugin"
else
  echo "node not found: skipping lsp_spec.lua (its stand-in server is a Node script)"
fi

echo "nvim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
