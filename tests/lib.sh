# Shared helpers for the shell tests: TAP output, a scratch directory, and checks on how
# saoidc ends (exit code, message, nothing on stdout). Source it; call done_testing at the end.
set -u
: "${SAOIDC:?SAOIDC must name the saoidc binary (make check sets it)}"
: "${SRCDIR:?SRCDIR must name the source tree (make check sets it)}"
KEYS="$SRCDIR/keys"
T_N=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/saoidc-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

# pass/fail DESC
pass() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
fail() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# ok DESC CMD...: passes if CMD exits 0
ok() { d=$1; shift; if "$@" >"$T_TMP/.out" 2>&1; then pass "$d"; else fail "$d" "command: $*" "$(head -c 600 "$T_TMP/.out")"; fi; }

# is GOT WANT DESC
is() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:  $1" "want: $2"; fi; }

# contains HAYSTACK NEEDLE DESC
contains() { case "$1" in *"$2"*) pass "$3" ;; *) fail "$3" "missing: $2" "in: $(printf %s "$1" | head -c 600)" ;; esac; }

# run CMD...: runs saoidc-like CMD, leaves RC, OUT and ERR
run() { "$@" >"$T_TMP/.stdout" 2>"$T_TMP/.stderr"; RC=$?; OUT=$(cat "$T_TMP/.stdout"); ERR=$(cat "$T_TMP/.stderr"); }

# refused DESC RC NEEDLE CMD...: exits RC, stderr contains NEEDLE, stdout is empty
refused() {
	d=$1 want_rc=$2 needle=$3
	shift 3
	run "$@"
	if [ "$RC" = "$want_rc" ] && [ -z "$OUT" ] && case "$ERR" in *"$needle"*) true ;; *) false ;; esac; then
		pass "$d"
	else
		fail "$d" "exit $RC (want $want_rc)" "stdout: $(printf %s "$OUT" | head -c 200)" "stderr: $ERR" "want in stderr: $needle"
	fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }

# free_port: prints a TCP port that is free on 127.0.0.1 right now.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_serve PORT ARGS...: starts `saoidc serve` in the background (log in $T_TMP/serve.log),
# waits until /healthz answers; sets SERVE_PID. Fails the script if it does not come up in 10 s.
start_serve() {
	port=$1
	shift
	"$SAOIDC" serve "$@" >"$T_TMP/serve.out" 2>"$T_TMP/serve.log" &
	SERVE_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		if curl -skf -o /dev/null "${SERVE_SCHEME:-http}://127.0.0.1:$port/healthz" 2>/dev/null; then return 0; fi
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	fail "saoidc serve came up" "$(cat "$T_TMP/serve.log")"
	done_testing
	exit 1
}

# stop_serve: SIGTERM, wait; leaves the exit code in SERVE_RC.
stop_serve() {
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	SERVE_RC=$?
}

# wait_for CMD...: retries CMD for up to 10 s; true once it succeeds.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
