#!/usr/bin/env bash
# Runs bpftrace's own runtime test suite (tests/runtime in a bpftrace
# checkout), unchanged, against a bpftrace executable — bt through its
# `bpftrace` link by default. Nothing of the suite is copied into this
# project: the test programs are built from the checkout with its own
# CMake rules into a work directory outside the tree.
#
# usage: scripts/bpftrace-runtime-suite.sh [ENGINE ARGS...]
#   BT_BPFTRACE_SRC  bpftrace checkout (required)
#   BT_SUITE_BIN     the executable to test (default: a `bpftrace` link to bin/bt)
#   BT_SUITE_DIR     work directory (default: /tmp/bt-runtime-suite)
#   TEST_FILTER      the engine's own filter, e.g. 'basic.*:-.*kprobe.*'
# Needs root, cmake, a C/C++ compiler, llvm-objcopy/llvm-dwp (llvm-19), zip,
# systemtap-sdt-dev and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${BT_BPFTRACE_SRC:?set BT_BPFTRACE_SRC to a bpftrace checkout}
src=$(cd "$src" && pwd)
work=${BT_SUITE_DIR:-/tmp/bt-runtime-suite}
[ "$(id -u)" = 0 ] || { echo "the runtime suite must run as root" >&2; exit 2; }
export PATH="/usr/lib/llvm-19/bin:$PATH"

mkdir -p "$work/src" "$work/build"
ln -sfn "$src/tests" "$work/src/tests"
# A CMake project holding only the suite's test programs and libraries,
# built by their own CMakeLists.
cat > "$work/src/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(bpftrace_runtime_testprogs C CXX)
add_subdirectory(tests/testprogs)
add_subdirectory(tests/testlibs)
CM
if [ ! -f "$work/build/.built-$(git -C "$src" rev-parse HEAD 2>/dev/null || echo src)" ]; then
  cmake -S "$work/src" -B "$work/build" -G Ninja >"$work/cmake.log" 2>&1 \
    || cmake -S "$work/src" -B "$work/build" >"$work/cmake.log" 2>&1 \
    || { cat "$work/cmake.log" >&2; exit 2; }
  cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 2; }
  touch "$work/build/.built-$(git -C "$src" rev-parse HEAD 2>/dev/null || echo src)"
fi

# The engine runs from the tests directory of a build: runtime/, testprogs/
# and testlibs/ side by side.
tests="$work/build/tests"
rm -rf "$tests/runtime"
cp -r "$src/tests/runtime" "$tests/runtime"
echo "LIBBCC_BPF_CONTAINS_RUNTIME = False" > "$tests/runtime/engine/cmake_vars.py"
# The engine imports looseversion (a PyPI package); distutils' LooseVersion
# is the same class.
if ! python3 -c 'import looseversion' 2>/dev/null; then
  mkdir -p "$work/pylib"
  echo "from distutils.version import LooseVersion" > "$work/pylib/looseversion.py"
  export PYTHONPATH="$work/pylib${PYTHONPATH:+:$PYTHONPATH}"
fi

bin=${BT_SUITE_BIN:-}
if [ -z "$bin" ]; then
  (cd "$here" && go build -o "$work/bin/bt" ./cmd/bt)
  ln -sfn "$work/bin/bt" "$work/bin/bpftrace"
  bin="$work/bin/bpftrace"
fi
export BPFTRACE_RUNTIME_TEST_EXECUTABLE="$bin"
echo "bpftrace --info:"; "$bin" --info 2>&1 | sed 's/^/  /'
cd "$tests"
exec python3 -u runtime/engine/main.py "$@"
