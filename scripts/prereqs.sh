#!/usr/bin/env bash
# prereqs.sh [go] [node] [chromium] [redis]: checks what `make test` needs
# (all four when no argument is given) and installs, as CI does, what it
# can: with apt-get as root, Debian's chromium and redis-server when they are
# missing, and Debian's nodejs and npm when node is missing and Debian's
# nodejs is 20 or later (Debian 12's is 18). Anything still missing stops it
# with one line that names it. The npm packages and Go modules are installed
# by the Makefile (`make deps`). Used by the Makefile and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser test launches exactly this binary (testdata/e2e/browser_chat.js).
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

missing() {
	echo "make test needs $*" >&2
	exit 1
}

can_apt() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; }

# apt_install PKG...: quiet on success; on failure, apt's last line.
apt_install() {
	echo "prereqs: apt-get install $*" >&2
	local out
	if ! out=$(apt-get update -qq 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" 2>&1); then
		echo "apt-get install $* failed: $(tail -n 1 <<<"$out")"
		return 1
	fi
}

# at_least HAVE WANT: version HAVE >= WANT.
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

check_go() {
	local want have
	want=$(sed -n 's/^go //p' go.mod)
	command -v go >/dev/null || missing "Go $want or later (go.mod): https://go.dev/dl/"
	# With GOTOOLCHAIN=auto an older go fetches go.mod's version itself.
	have=$(go env GOVERSION 2>&1) || missing "Go $want or later (go.mod): $(tail -n 1 <<<"$have")"
	at_least "${have#go}" "$want" || missing "Go $want or later (go.mod), found $have: https://go.dev/dl/"
}

check_node() {
	local why=""
	# Installed only when absent: an older node on PATH is the user's to replace.
	if ! command -v node >/dev/null && can_apt; then
		apt-get update -qq >/dev/null 2>&1 || true
		local candidate
		candidate=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: \([0-9][0-9]*\).*/\1/p')
		if [ "${candidate:-0}" -ge 20 ]; then
			why=$(apt_install nodejs npm) || true
		else
			why="Debian's nodejs here is ${candidate:-not available}, too old"
		fi
	fi
	command -v node >/dev/null || missing "Node.js 20 or later with npm (the tests drive the official npm clients): https://nodejs.org/${why:+; $why}"
	[ "$(node_major)" -ge 20 ] || missing "Node.js 20 or later, found $(node --version) (playwright-core needs 20): https://nodejs.org/"
	command -v npm >/dev/null || missing "npm, which comes with Node.js (Debian: apt-get install npm)"
}

check_chromium() {
	local why=""
	if [ ! -x "$CHROMIUM" ] && can_apt; then
		why=$(apt_install chromium) || true
	fi
	[ -x "$CHROMIUM" ] || missing "Chromium at $CHROMIUM for the browser test: apt-get install chromium (Debian, as root)${why:+; $why}"
}

# The cluster tests start redis-server themselves, each on a random port
# (internal/testkit/redistest): 7 or later, for the sharded adapter's
# SSUBSCRIBE.
check_redis() {
	local why="" installed="" have
	if ! command -v redis-server >/dev/null && can_apt; then
		why=$(apt_install redis-server) && installed=1
	fi
	command -v redis-server >/dev/null || missing "redis-server 7 or later for the cluster tests: apt-get install redis-server (Debian, as root)${why:+; $why}"
	have=$(redis-server --version 2>/dev/null | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p')
	at_least "${have:-0}" 7.0 || missing "redis-server 7 or later for the cluster tests (the sharded adapter needs SSUBSCRIBE), found ${have:-an unknown version}: https://redis.io/docs/latest/operate/oss_and_stack/install/"
	[ -z "$installed" ] || stop_redis_service
}

# stop_redis_service: the package starts a redis-server service on port
# 6379 (unless a policy-rc.d forbids it, as in Docker images). The tests need
# none, and `make cluster-demo` wants 6379 for its own: the service we just
# installed is stopped and kept from starting at boot.
stop_redis_service() {
	if [ -d /run/systemd/system ]; then
		systemctl disable --now redis-server.service >/dev/null 2>&1 || true
	else
		service redis-server stop >/dev/null 2>&1 || true
		update-rc.d redis-server disable >/dev/null 2>&1 || true
	fi
	if redis-cli -p 6379 ping >/dev/null 2>&1; then
		echo "prereqs: a redis-server still answers on port 6379 (the tests do not need it; make cluster-demo takes REDIS_PORT=N)" >&2
	else
		echo "prereqs: redis-server installed; its service is stopped and disabled (the tests start their own)" >&2
	fi
}

[ $# -gt 0 ] || set -- go node chromium redis
for what in "$@"; do
	case $what in
	go | node | chromium | redis) "check_$what" ;;
	*)
		echo "prereqs.sh: unknown prerequisite $what (go, node, chromium or redis)" >&2
		exit 2
		;;
	esac
done
