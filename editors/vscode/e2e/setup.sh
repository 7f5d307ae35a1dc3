#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, into editors/vscode/e2e
# (node_modules directories, git-ignored), and reuses it while the lock
# files are unchanged:
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

# npm ci in $1 unless node_modules there was installed from this lock file.
install() {
  local dir="$1" what="$2" sum
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$dir/node_modules/.bt-lock-sha256" 2>/dev/null)" = "$sum" ] && return 0
  echo "installing $what (npm ci in ${dir#"$(dirname "$here")"/}; log: $log)"
  rm -rf "$dir/node_modules"
  if ! (cd "$dir" && "${NPM_CI[@]}") >>"$log" 2>&1; then
    echo "npm ci for $what failed (see $log)"
    return 2
  fi
  echo "$sum" >"$dir/node_modules/.bt-lock-sha256"
}

command -v npm >/dev/null || { echo "npm not found"; exit 2; }
install "$here/node24" "Node 24" || exit 2
node24="$here/node24/node_modules/.bin"
if ! "$node24/node" -e 'process.exit(process.versions.node.split(".")[0] === "24" ? 0 : 1)'; then
  echo "$node24/node is not Node 24"
  rm -f "$here/node24/node_modules/.bt-lock-sha256"
  exit 1
fi
PATH="$node24:$PATH" install "$here" "code-server and playwright-core" || exit 2
# code-server's postinstall builds VS Code's server dependencies; a failure
# there can leave npm's exit status 0, so look for its result.
if ! PATH="$node24:$PATH" "$here/node_modules/.bin/code-server" --config /dev/null --version >>"$log" 2>&1 ||
  [ ! -d "$here/node_modules/code-server/lib/vscode/node_modules" ]; then
  echo "code-server is not usable after install (see $log)"
  rm -f "$here/node_modules/.bt-lock-sha256"
  exit 1
fi
