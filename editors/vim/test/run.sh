#!/usr/bin/env bash
# Runs the Vim plugin's tests in Vim's silent Ex mode (no terminal needed),
# loading editors/vim the ways users do, from a vimrc: on 'runtimepath' and
# as a package on 'packpath'. Prints one line per test and a closing count; exits
# non-zero on any failure. Needs Vim 9 (Debian 12: vim 9.0).
#
# Specs:
#   ft_spec.vim  filetype detection, ftplugin options, indentation, syntax
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
plugin="$(dirname "$here")"
VIM="${VIM_BIN:-vim}"

if ! command -v "$VIM" >/dev/null; then
  echo "vim not found: skipping the Vim plugin tests"
  exit 0
fi
echo "# $("$VIM" --version | head -1)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pack/bt/start"
ln -s "$plugin" "$tmp/pack/bt/start/bt"

passed=0
failed=0
run() { # label spec vimrc-lines...
  local label="$1" spec="$2" out="$tmp/out" status
  shift 2
  rm -f "$out"
  # A user's vimrc: the given lines, then filetype and syntax on. Vim
  # loads plugins and packages after it, as in any session.
  printf '%s\n' "$@" 'filetype plugin indent on' 'syntax on' >"$tmp/vimrc"
  (cd "$plugin" && BT_TEST_LABEL="$label" BT_TEST_OUT="$out" timeout 60 "$VIM" -N -u "$tmp/vimrc" -i NONE -n -es \
    -c "source $here/$spec" </dev/null >/dev/null 2>&1)
  status=$?
  local p=0 f=0
  if [ -f "$out" ]; then
    grep -v '^# .* passed, .* failed' "$out"
    p="$(grep -c '^ok - ' "$out")"
    f="$(grep -c '^not ok - ' "$out")"
  fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - [$label] $spec did not finish (exit $status)"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

run rtp ft_spec.vim "set rtp^=$plugin"
run packpath ft_spec.vim "set packpath^=$tmp"

echo "vim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
