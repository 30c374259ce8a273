# Actorio. `make` lists the targets.
SHELL := /bin/bash
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 10s
REDIS_PORT ?= 6379
PKGS := ./...

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# npm ci empties node_modules first, and through a symlink (a git worktree
# sharing another checkout's packages) it empties the target: install there.
node_modules/.package-lock.json: package.json package-lock.json
	@scripts/prereqs.sh go node
	@if [ -L node_modules ]; then \
	  echo "node_modules is a symlink to $$(readlink node_modules): not running npm ci through it (it would empty that directory); run make deps there" >&2; \
	else \
	  echo "npm ci --no-audit --no-fund"; npm ci --no-audit --no-fund && touch $@; \
	fi

prereqs: ## check what make test needs (Go, Node 20+, npm, Chromium, redis-server 7+); installs Chromium and redis-server with apt-get as root
	@scripts/prereqs.sh go node chromium redis

deps: node_modules/.package-lock.json ## install Go modules and the npm packages the tests drive (package-lock.json)
	$(GO) mod download

build: ## build every package (the examples included) and the server binary into bin/
	$(GO) build $(PKGS)
	$(GO) build -o bin/actorio-server ./cmd/actorio-server

run: deps ## start the demo chat at http://localhost:3000 (npm's socket.io-client bundle is served from node_modules)
	$(GO) run ./cmd/actorio-server -mode demo -addr 127.0.0.1:3000

lobby: deps ## the game-lobby example (examples/lobby): matchmaker and match actors on the embedding API
	$(GO) run ./examples/lobby

cluster-demo: deps ## redis-server and two demo chat servers (ports 3000 and 3001) sharing it through the Redis adapter
	@scripts/prereqs.sh redis
	REDIS_PORT=$(REDIS_PORT) GO=$(GO) scripts/cluster-demo.sh

test: prereqs deps ## the whole test suite with the race detector; installs what it needs (README: Prerequisites)
	$(GO) vet $(PKGS)
	$(GO) test -race -shuffle=on $(PKGS)
	cd bench && $(GO) vet ./... && $(GO) test -race -shuffle=on ./...

race: prereqs deps ## the test suite three times over with the race detector, to shake out flakes
	$(GO) test -race -shuffle=on -count=3 $(PKGS)

lint: ## gofmt, go vet, staticcheck, go mod tidy
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)
	@cp go.mod /tmp/actorio-go.mod.bak; cp go.sum /tmp/actorio-go.sum.bak; $(GO) mod tidy; \
	  if ! diff -q go.mod /tmp/actorio-go.mod.bak >/dev/null || ! diff -q go.sum /tmp/actorio-go.sum.bak >/dev/null; then \
	    echo "go mod tidy changes go.mod/go.sum: commit them"; exit 1; fi

fuzz: ## run every fuzz target for FUZZTIME (default 10s) each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

bench/node/node_modules/.package-lock.json: bench/node/package.json bench/node/package-lock.json
	cd bench/node && npm ci --no-audit --no-fund
	@touch $@

bench: bench/node/node_modules/.package-lock.json ## Actorio vs Node socket.io vs the floor server (bench/cmd/floor-server), quick pass (~6 min): table, bench/results/*.{json,txt,svg}
	cd bench && $(GO) build -o .bin/actorio-bench ./cmd/actorio-bench
	bench/.bin/actorio-bench -plan quick

bench-micro: ## the micro-benchmarks next to the code (codecs, writer pool, room broadcast, echo)
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=1s ./protocol/... ./transport/... .

bench-full: bench/node/node_modules/.package-lock.json ## Actorio vs Node socket.io, fanout breaking points (~10-20 min)
	cd bench && $(GO) build -o .bin/actorio-bench ./cmd/actorio-bench
	bench/.bin/actorio-bench -plan full

bench-lobby: bench/node/node_modules/.package-lock.json ## the lobby game, 200 matches x 10 at 20 Hz: examples/lobby vs bench/node/lobby.js (< 1 min)
	cd bench && $(GO) build -o .bin/actorio-bench ./cmd/actorio-bench
	bench/.bin/actorio-bench -plan quick -only lobbygame

ci: lint test ## what CI runs (.ci/run)

.PHONY: help prereqs deps build run lobby cluster-demo test race lint fuzz bench bench-micro bench-full bench-lobby ci
