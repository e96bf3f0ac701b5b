# ImmunoPass — every rule written once, here.
#
#   make run    the local demo, on embedded defaults
#   make test   everything CI checks: deps, check, unit tests, fuzz, interop
#
SHELL := /bin/bash
GO ?= go
BIN := bin
APT_PACKAGES := libgl1-mesa-dev xorg-dev libxkbcommon-dev
# Tests only: the web app's browser tests drive Debian's Chromium.
TEST_APT_PACKAGES := chromium
INTEROP_DIRS := $(patsubst %/package.json,%,$(wildcard credential/*/testdata/interop/package.json))
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 4s
QRBENCH_DIR ?= /tmp/immunopass-qrbench

.PHONY: all deps deps-apt deps-test-apt deps-npm web build check test unit fuzz interop bench run clean test-mysql wallet screenshots verifier-app verifier-screenshots

all: build

## deps: system packages for Fyne's cgo and the browser tests (only those missing) and the npm interop peers.
deps: deps-apt deps-test-apt deps-npm

## deps-apt: the system packages Fyne's cgo needs, only those missing (apt-get, with sudo when not root).
deps-apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## deps-test-apt: Chromium for the web app's headless browser tests, when missing.
deps-test-apt:
	@$(MAKE) --no-print-directory deps-apt APT_PACKAGES="$(TEST_APT_PACKAGES)"

## deps-npm: the npm interop peers (npm ci from their lock files), when node exists.
deps-npm:
	@if command -v node >/dev/null 2>&1; then \
	  for d in $(INTEROP_DIRS); do \
	    if [ ! -d $$d/node_modules ] || [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; then \
	      echo "deps: npm ci in $$d"; (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	    fi; \
	  done; \
	else echo "deps: node not found; interop peers will be skipped"; fi

## build: the server and CLI binaries, without cgo; the verifier carries its web app (make web).
build: web
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/issuer ./cmd/registry
	CGO_ENABLED=0 $(GO) build -tags webwasm -o $(BIN)/ ./cmd/verifier

## web: the verifier compiled to WebAssembly for its web app, with the Go release's wasm_exec.js,
## into verifier/web/dist (embedded by `-tags webwasm`).
web:
	@mkdir -p verifier/web/dist
	GOOS=js GOARCH=wasm CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o verifier/web/dist/verifier.wasm ./cmd/verifier-wasm
	@cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" verifier/web/dist/wasm_exec.js
	@ls -l verifier/web/dist/verifier.wasm | awk '{printf "web: verifier.wasm %.1f MB\n", $$5/1e6}'

## check: formatting, vet, staticcheck, import rules.
check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) test -count=1 ./internal/archtest/

## test: what CI runs (test-mysql installs and starts a private MariaDB: ~1 min).
test: deps check unit fuzz interop test-mysql

unit:
	$(GO) test -count=1 ./...

## fuzz: every fuzz target, briefly (FUZZTIME each).
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

## interop: our credentials in independent npm peers and theirs in ours, offline.
interop: deps
	$(GO) test -count=1 -run 'Interop|Peer' -v ./credential/... | grep -E '^(---|ok|FAIL|PASS)|SKIP' || true
	@$(GO) test -count=1 -run 'Interop|Peer' ./credential/... >/dev/null

## bench: benchmarks, the npm peer's timing and the QR decoder over qrbench.
bench: deps
	@scripts/bench.sh $(QRBENCH_DIR)

## test-mysql: the anchor log's conformance and crash tests on Tessera's MySQL driver, then `registry serve` itself
## on it (SIGKILLed 20 times mid-stream, proofs, bundle), against a private MariaDB
## (installed from Debian packages when missing, started on a temporary socket, stopped afterwards).
test-mysql:
	@scripts/mysql-test.sh

## run: the local system (registry on loopback, a demo clinic, offline verification), in a temporary folder.
## (with a display, it also builds the wallet and opens it on the demo family)
## It says before it installs anything: with a display, the wallet needs $(APT_PACKAGES);
## missing ones are installed with (sudo) apt-get after asking when run from a terminal.
run: build
	@gui=""; if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -z "$$IMMUNOPASS_NO_GUI" ]; then gui=1; fi; \
	if [ -n "$$gui" ]; then \
	  missing=""; for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "make run: a display is present, so the demo also builds and opens the wallet app (Fyne, cgo: about a minute the first time)."; \
	    echo "make run: it needs these Debian packages, missing here:$$missing (installed with apt-get, through sudo when not root)."; \
	    if [ -t 0 ]; then \
	      read -r -p "Install them now? [Y/n] (n: run the demo without the wallet) " ans; \
	      case "$$ans" in [nN]*) gui="";; esac; \
	    else echo "make run: installing them (IMMUNOPASS_NO_GUI=1 make run skips the wallet and installs nothing)."; fi; \
	  fi; \
	fi; \
	if [ -n "$$gui" ]; then $(MAKE) --no-print-directory deps-apt wallet || exit 1; else export IMMUNOPASS_NO_GUI=1; fi; \
	scripts/demo.sh $(BIN)

## wallet: the Fyne wallet app (cgo: `make deps` installs its system packages);
## the tag is FyneApp.toml's fyneDo migration, which plain go build does not read.
wallet:
	$(GO) build -tags migrated_fynedo -o $(BIN)/wallet ./cmd/wallet

## verifier-app: the Fyne verifier desktop app (cgo, like the wallet; same migration tag).
verifier-app:
	$(GO) build -tags migrated_fynedo -o $(BIN)/verifier-app ./cmd/verifier-app

## verifier-screenshots: the verifier app's screens under Xvfb (scan, verdicts, trust,
## settings; light, dark, French, Arabic) into docs/screenshots/verifier-*.png, and its cold start timed.
verifier-screenshots:
	@scripts/verifier-screenshots.sh

## screenshots: the wallet's main screens in a real window under Xvfb (light, dark,
## Arabic, the QR screen) into docs/screenshots/.
screenshots:
	@scripts/screenshots.sh

clean:
	rm -rf $(BIN)
