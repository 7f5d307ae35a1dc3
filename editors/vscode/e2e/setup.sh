#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs and reuses it while the
# lock files are unchanged (cache: $BT_E2E_CACHE, default
# ~/.cache/bt-vscode-e2e; the node_modules below are git-ignored links
# into it):
#
#   node24/node_modules  Node 24 from npm's `node` package (code-server's
#                        engine), without touching the system's node
#   node_modules         code-server and playwright-core, installed with
#                        Node 24 first on PATH: code-server's postinstall
#                        checks the Node version and builds native modules
#
# As root with apt-get, it also installs the Debian packages: chromium, and
# the headers code-server's native modules build against. Prints one line
# saying why and exits 2 when something cannot be installed (run.sh then
# skips the test); exits 1 on other failures.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log="${BT_E2E_SETUP_LOG:-/tmp/bt-vscode-e2e-setup.log}"
: >"$log"
NPM_CI=(npm ci --no-audit --no-fund --prefer-offline --loglevel=error)

# Debian packages: the browser, and build dependencies of code-server's
# native modules (kerberos, native-keymap, keytar-like secret storage, ...).
DEB=(chromium build-essential python3 pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)
missing=()
for p in "${DEB[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}"; } >>"$log" 2>&1; then
      echo "apt-get install ${missing[*]} failed (see $log)"
      exit 2
    fi
  else
    echo "missing Debian packages ${missing[*]} and not root to install them"
    exit 2
  fi
fi

# The installs live in a cache outside the checkout, one directory per part
# and lock file hash, so that every checkout on the machine (CI's fresh
# clone too) reuses them; node_modules here is a symbolic link into it.
cache="${BT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bt-vscode-e2e}"

# install DIR NAME WHAT: npm ci of DIR's lock file into the cache unless it
# is there already, then DIR/node_modules -> it. Sets $target.
install() {
  local dir="$1" name="$2" what="$3" sum old
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  target="$cache/$name-$sum"
  if [ "$(cat "$target/node_modules/.bt-lock-sha256" 2>/dev/null)" != "$sum" ]; then
    echo "installing $what (npm ci in $target; log: $log)"
    rm -rf "$target" && mkdir -p "$target" && cp "$dir/package.json" "$dir/package-lock.json" "$target/" || return 1
    if ! (cd "$target" && "${NPM_CI[@]}") >>"$log" 2>&1; then
      echo "npm ci for $what failed (see $log)"
      return 2
    fi
    echo "$sum" >"$target/node_modules/.bt-lock-sha256"
    for old in "$cache/$name"-*; do # installs of older lock files
      [ "$old" = "$target" ] || rm -rf "$old"
    done
  fi
  rm -rf "$dir/node_modules"
  ln -s "$target/node_modules" "$dir/node_modules"
}

command -v npm >/dev/null || { echo "npm not found"; exit 2; }
install "$here/node24" node24 "Node 24" || exit $?
node24="$here/node24/node_modules/.bin"
if ! "$node24/node" -e 'process.exit(process.versions.node.split(".")[0] === "24" ? 0 : 1)'; then
  echo "$node24/node is not Node 24"
  rm -f "$target/node_modules/.bt-lock-sha256"
  exit 1
fi
PATH="$node24:$PATH" install "$here" code-server "code-server and playwright-core" || exit $?
# code-server's postinstall builds VS Code's server dependencies; a failure
# there can leave npm's exit status 0, so look for its result.
if ! PATH="$node24:$PATH" "$here/node_modules/.bin/code-server" --config /dev/null --version >>"$log" 2>&1 ||
  [ ! -d "$here/node_modules/code-server/lib/vscode/node_modules" ]; then
  echo "code-server is not usable after install (see $log)"
  rm -f "$target/node_modules/.bt-lock-sha256"
  exit 1
fi
