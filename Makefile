# bt's build and test entry points. `make test` is what CI runs (.ci/run).
GO ?= go
# Debian packages the tests use; installed when missing and we are root.
# clang: C interop and vmlinux.h compile tests; bpftool: BTF dumps for
# comparisons; neovim: the editor end-to-end test; bpftrace: side-by-side
# checks (its tools/ are part of the parser corpus).
DEB_PACKAGES ?= clang-19 bpftool neovim bpftrace

.PHONY: all build test deps vet gotest fuzz bench clean

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

test: deps vet gotest

# Fuzz the parser; FUZZTIME=10m for a long run.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./analysis/parser -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./... -run '^$$' -bench . -benchmem

clean:
	rm -rf bin
