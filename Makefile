# bt's build and test entry points. `make test` is what CI runs (.ci/run).
GO ?= go
# Debian packages the tests use; installed when missing and we are root.
# clang, libbpf-dev: C interop (imported BPF C, the stdlib) and vmlinux.h compile tests; bpftool: BTF dumps for
# comparisons; neovim: the editor end-to-end test; bpftrace: side-by-side
# checks (its tools/ are part of the parser corpus); systemtap-sdt-dev:
# sys/sdt.h for the USDT test programs the tests build.
DEB_PACKAGES ?= clang-19 libbpf-dev bpftool neovim bpftrace systemtap-sdt-dev

.PHONY: all build test deps vet gotest fuzz bench clean install runtime-suite

all: build

build:
	$(GO) build -o bin/ ./cmd/...

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/tmp/bt-deps.log 2>&1 \
	      || { echo "apt-get failed (see /tmp/bt-deps.log); tests needing$$missing will skip"; }; \
	  else \
	    echo "not root: tests needing$$missing will skip"; \
	  fi; \
	fi

vet:
	$(GO) vet ./...

gotest:
	$(GO) test ./...

test: deps vet gotest editors-test

# Fuzz the parser; FUZZTIME=10m for a long run.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./analysis/parser -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./... -run '^$$' -bench . -benchmem

clean:
	rm -rf bin

# `make install` puts bt and bt-lsp in $(BINDIR) and a `bpftrace` link to
# bt next to them (bt install-link), so bpftrace invocations run bt.
# BPFTRACE_LINK=no installs without the link; an existing bpftrace there
# is kept unless BPFTRACE_LINK=force.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
BPFTRACE_LINK ?= yes
install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 bin/bt bin/bt-lsp $(DESTDIR)$(BINDIR)/
	@link=$(DESTDIR)$(BINDIR)/bpftrace; \
	if [ "$(BPFTRACE_LINK)" = no ]; then :; \
	elif [ -e "$$link" -o -L "$$link" ] && [ "$$(readlink "$$link")" != bt ] && [ "$(BPFTRACE_LINK)" != force ]; then \
	  echo "$$link exists and is not bt's link: kept (BPFTRACE_LINK=force replaces it)"; \
	else \
	  ln -sfn bt "$$link" && echo "$$link -> bt"; \
	fi

# bpftrace's own runtime test suite run through bt's `bpftrace` link
# (scripts/bpftrace-runtime-suite.sh); needs root and BT_BPFTRACE_SRC.
# TEST_FILTER selects tests as the suite's engine does.
runtime-suite:
	scripts/bpftrace-runtime-suite.sh

# ---- editors: editors/vscode (VS Code extension), editors/nvim (Neovim),
# editors/vim (Vim), editors/emacs (Emacs tests) ----
# `make editors-test` lints, typechecks and tests the extension (grammar
# assertions and snapshots, unit tests, a .vsix packaging test), runs it
# inside VS Code (code-server under headless Chromium), and runs the Neovim,
# Vim and Emacs tests. The tools are installed with apt (and npm for
# code-server) when missing and we are root; otherwise each part that
# cannot run is skipped with a message. `make vsix` writes
# editors/vscode/bt-<version>.vsix.
VSCODE_DIR := editors/vscode
NPM_CI := npm ci --no-audit --no-fund --prefer-offline --loglevel=error
# npm ci, skipped when node_modules was installed from this very lock file.
VSCODE_DEPS = cd $(VSCODE_DIR) && sum="$$(sha256sum package-lock.json | cut -d' ' -f1)" \
	&& { [ "$$(cat node_modules/.bt-lock-sha256 2>/dev/null)" = "$$sum" ] \
	     || { $(NPM_CI) && echo "$$sum" > node_modules/.bt-lock-sha256; }; }
# Installs Debian packages $(1) when one is missing and we are root; the
# test that needs them says so and skips when they are still missing.
APT_ENSURE = missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 $$missing) >/tmp/bt-editors-apt.log 2>&1 \
	    || echo "apt-get failed (see /tmp/bt-editors-apt.log)"; \
	fi

.PHONY: editors-test editors-node editors-vscode-test editors-vscode-e2e editors-nvim-test editors-vim-test editors-emacs-test vsix

# Succeeds when node >= 20 and npm are usable, installing them if we can.
editors-node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing nodejs npm"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 nodejs npm) >/tmp/bt-node.log 2>&1 \
	      || echo "apt-get failed (see /tmp/bt-node.log)"; \
	  fi; \
	fi; \
	command -v node >/dev/null && command -v npm >/dev/null \
	  && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'

editors-vscode-test:
	@if $(MAKE) -s editors-node; then \
	  ( $(VSCODE_DEPS) && npm test --silent ); \
	else \
	  echo "node >= 20 with npm not available: skipping the VS Code extension tests"; \
	fi

# The extension inside VS Code: editors/vscode/e2e/run.sh installs
# code-server (npm, cached in ~/.cache/bt-vscode-e2e) and Debian's
# chromium, builds bt, bt-lsp and the .vsix, and drives the workbench.
editors-vscode-e2e:
	@if $(MAKE) -s editors-node; then \
	  ( $(VSCODE_DEPS) ) && GO="$(GO)" $(VSCODE_DIR)/e2e/run.sh; \
	else \
	  echo "node >= 20 with npm not available: skipping the VS Code end-to-end test"; \
	fi

editors-nvim-test:
	@$(call APT_ENSURE,neovim); \
	GO="$(GO)" editors/nvim/test/run.sh

editors-vim-test:
	@$(call APT_ENSURE,vim); \
	editors/vim/test/run.sh

editors-emacs-test:
	@$(call APT_ENSURE,emacs-nox elpa-eglot); \
	GO="$(GO)" editors/emacs/test/run.sh

editors-test: editors-vscode-test editors-vscode-e2e editors-nvim-test editors-vim-test editors-emacs-test

vsix:
	@$(MAKE) -s editors-node || { echo "vsix needs node >= 20 and npm"; exit 1; }
	$(VSCODE_DEPS) && npm run --silent package
