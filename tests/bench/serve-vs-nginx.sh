#!/bin/sh
# Benchmark (not part of make check): saoidc serve against nginx serving byte-identical files,
# interleaved in the same run. wrk -t2 -c64 -d10s on the JWKS path, ROUNDS rounds (default 3).
# Prints per-round figures, then the throughput ratio saoidc/nginx, p99 latency of each and
# saoidc's peak RSS. A third peer, mhd-floor.c (one persistent libmicrohttpd response, one key parsed
# with OpenSSL, a body from jansson: the least a server on these libraries does), runs in the same
# rounds; its peak RSS is the floor that saoidc's is compared with.
# PIN=1 runs each server on CPU 0 with one worker (saoidc --threads 1, nginx worker_processes 1)
# and wrk (one thread) on CPU 1, so client and server do not fight for the same cores: tail latencies then
# measure the servers rather than the scheduler.
# WORKERS=N gives every server N workers (default: one per CPU, as saoidc and Debian's nginx do).
# PACE_MS=N makes each wrk connection wait N ms between requests (a wrk Lua delay()): the same
# offered load for every server, below what any of them can do, so that latencies compare the
# servers at equal load instead of a closed loop in which the faster server starves wrk of CPU.
# ISSUERS=3 runs saoidc with serve --issuers and three issuers (two on the benchmark's host, one on
# another), requests naming the benchmark's issuer by Host and path: the cost of the routing.
# usage: tests/bench/serve-vs-nginx.sh [BUILD_DIR]   (env: ROUNDS, DURATION, CONNS, PIN, WORKERS, PACE_MS, ISSUERS)
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$TOP/build}
. "$TOP/tests/bench/lib.sh"
SAOIDC=$BUILD/src/saoidc
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
PIN=${PIN:-0}
PACE_MS=${PACE_MS:-}
if [ "$PIN" = 1 ]; then
	SRV="taskset -c 0"; CLI="taskset -c 1"; WORKERS=1; WRK_T=1
else
	SRV=""; CLI=""; WORKERS=${WORKERS:-$(nproc)}; WRK_T=2
fi
THREADS="--threads $WORKERS"
for t in wrk nginx cc pkg-config; do command -v $t >/dev/null || { echo "needs $t (apt-get install wrk nginx-light)" >&2; exit 1; }; done
[ -x "$SAOIDC" ] || { echo "build saoidc first ($SAOIDC)" >&2; exit 1; }
W=$(mktemp -d /tmp/saoidc-bench.XXXXXX)
chmod 755 "$W" # nginx workers run as another user
cleanup() { [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; [ -n "${FPID:-}" ] && kill "$FPID" 2>/dev/null; [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null; sleep 0.3; rm -rf "$W"; }
trap cleanup EXIT INT TERM
SP=$(port); NP=$(port); FP=$(port)
ISS=https://oidc.example.com/bench
"$SAOIDC" render --issuer "$ISS" --key "$TOP/keys/demo-rsa.pub" --key "$TOP/keys/demo-ec256.pub" --out "$W/site" 2>/dev/null

nginx_conf "$W" "$WORKERS" "127.0.0.1:$NP"
$SRV nginx -c "$W/nginx.conf" -p "$W"
# shellcheck disable=SC2046
cc -O2 -o "$W/mhd-floor" "$TOP/tests/bench/mhd-floor.c" $(pkg-config --cflags --libs libcrypto jansson libmicrohttpd)
$SRV "$W/mhd-floor" "$FP" "${WORKERS}" "$TOP/keys/demo-rsa.pub" &
FPID=$!
SURL="http://127.0.0.1:$SP/keys.json" SHOST=""
if [ "${ISSUERS:-1}" = 3 ]; then
	printf 'issuers:\n- issuer: %s\n  keys: [%s, %s]\n- issuer: https://oidc.example.com/other\n  keys: [%s]\n- issuer: https://other.example.com\n  keys: [%s]\n' \
		"$ISS" "$TOP/keys/demo-rsa.pub" "$TOP/keys/demo-ec256.pub" "$TOP/keys/demo-ec384.pub" "$TOP/keys/demo-ec521.pub" >"$W/issuers.yaml"
	$SRV "$SAOIDC" serve $THREADS --issuers "$W/issuers.yaml" --listen "127.0.0.1:$SP" 2>"$W/serve.log" &
	SURL="http://127.0.0.1:$SP/bench/keys.json" SHOST="oidc.example.com"
	echo "saoidc: serve --issuers, three issuers; requests for $ISS by Host and path"
else
	$SRV "$SAOIDC" serve $THREADS --issuer "$ISS" --key "$TOP/keys/demo-rsa.pub" --key "$TOP/keys/demo-ec256.pub" --listen "127.0.0.1:$SP" 2>"$W/serve.log" &
fi
SPID=$!
i=0; while [ $i -lt 50 ] && ! { curl -sf -o /dev/null "http://127.0.0.1:$SP/healthz" && curl -sf -o /dev/null "http://127.0.0.1:$FP/"; }; do sleep 0.1; i=$((i + 1)); done
if ! curl -s ${SHOST:+-H "Host: $SHOST"} "$SURL" | cmp -s - "$W/site/keys.json" || ! curl -s "http://127.0.0.1:$NP/keys.json" | cmp -s - "$W/site/keys.json"; then
	echo "the two servers do not serve identical bytes" >&2; exit 1
fi

PACE=""
if [ -n "$PACE_MS" ]; then
	echo "delay = function() return $PACE_MS end" >"$W/pace.lua"
	PACE="-s $W/pace.lua"
fi

# rps and p99 (in ms) from wrk --latency
measure() {
	# shellcheck disable=SC2086
	$CLI wrk -t$WRK_T -c"$CONNS" -d"$DURATION" --latency $PACE ${2:+-H "Host: $2"} "$1" >"$W/wrk.out"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$W/wrk.out")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 } print v }' "$W/wrk.out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$W/wrk.out")
	[ -z "$non2xx" ] || { echo "non-2xx responses: $non2xx" >&2; exit 1; }
	echo "$rps $p99"
}
printf '%-6s %12s %9s %12s %9s %12s %9s %7s\n' round saoidc_rps s_p99_ms nginx_rps n_p99_ms floor_rps f_p99_ms ratio
r=1
: >"$W/rounds"
while [ $r -le "$ROUNDS" ]; do
	s=$(measure "$SURL" "$SHOST")
	n=$(measure "http://127.0.0.1:$NP/keys.json")
	f=$(measure "http://127.0.0.1:$FP/keys.json")
	echo "$s $n $f" >>"$W/rounds"
	set -- $s $n $f
	printf '%-6s %12.0f %9.3f %12.0f %9.3f %12.0f %9.3f %7.2f\n' "$r" "$1" "$2" "$3" "$4" "$5" "$6" "$(echo "$1 $3" | awk '{ print $1 / $2 }')"
	r=$((r + 1))
done
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status")
anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$SPID/status")
frss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$FPID/status")
awk -v rss="$rss" -v anon="$anon" -v frss="$frss" '{ s += $1; sp += $2; n += $3; np += $4; f += $5; k++ }
	END {
		printf "\nmean: saoidc %.0f req/s (p99 %.3f ms), nginx %.0f req/s (p99 %.3f ms)\n", s / k, sp / k, n / k, np / k
		printf "throughput ratio saoidc/nginx: %.2f (goal >= 1.0)\n", s / n
		printf "p99 saoidc/nginx: %.2f (goal <= 1.0)\n", sp / np
		printf "saoidc peak RSS: %.1f MB (goal <= 8 MB); anonymous now %.1f MB\n", rss / 1024, anon / 1024
		printf "floor (mhd-floor.c, %.0f req/s = %.2fx nginx) peak RSS: %.1f MB; saoidc above the floor: %.1f MB\n", f / k, f / n, frss / 1024, (rss - frss) / 1024
	}' "$W/rounds"
