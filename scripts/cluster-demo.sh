#!/usr/bin/env bash
# cluster-demo.sh: the demo chat on two servers, http://127.0.0.1:3000 and
# http://127.0.0.1:3001, joined through a redis-server on REDIS_PORT (default
# 6379) with the Redis adapter: a user on one server chats with a user on the
# other. All three run in this job's process group; Ctrl-C (or any of them
# exiting) stops all three. Used by `make cluster-demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

REDIS_PORT=${REDIS_PORT:-6379}
GO=${GO:-go}
redis_url=redis://127.0.0.1:$REDIS_PORT

if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
	echo "cluster-demo: something already answers on port $REDIS_PORT; REDIS_PORT=N picks another" >&2
	exit 1
fi

# Built once, then run twice: one compile, and the processes signalled below
# are the servers themselves, not `go run` wrappers.
"$GO" build -o bin/actorio-server ./cmd/actorio-server

pids=()
stop() {
	trap - INT TERM EXIT
	[ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
	wait
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# No persistence: the demo's cluster state lives as long as the demo.
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning &
pids+=($!)
for _ in $(seq 100); do # up to 10 s
	redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
	kill -0 "${pids[0]}" 2>/dev/null || break
	sleep 0.1
done
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
	echo "cluster-demo: redis-server did not answer on port $REDIS_PORT" >&2
	exit 1
fi

for port in 3000 3001; do
	bin/actorio-server -mode demo -addr "127.0.0.1:$port" -redis "$redis_url" &
	pids+=($!)
done
echo "cluster-demo: http://127.0.0.1:3000 and http://127.0.0.1:3001 share $redis_url; Ctrl-C stops all three" >&2

# The first to exit ends the demo: a chat on one server alone is not it.
status=0
wait -n || status=$?
echo "cluster-demo: a process exited (status $status); stopping the others" >&2
exit "$status"
