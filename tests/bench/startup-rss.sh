#!/bin/sh
# Benchmark (not part of make check): how lean the process is.
#   startup   whole-process time of `saoidc --version` and `saoidc jwks --key K` against
#             `openssl pkey -pubin -in K -noout` (the same key parsed by the same OpenSSL),
#             hyperfine, RUNS runs each after warm-up; ratios printed (goal <= 1.5)
#   loader    shared libraries loaded, and the dynamic loader's share (LD_DEBUG=statistics)
#   rss       `saoidc serve` peak RSS (VmHWM) idle, and under wrk -t2 -c64 for DURATION over
#             plain HTTP and over HTTPS (goal <= 12 MB), with the file-backed part per library
#             (the pages of each shared object the process touched)
# usage: tests/bench/startup-rss.sh [BUILD_DIR]   (env: RUNS, DURATION, KEY)
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$TOP/build}
. "$TOP/tests/bench/lib.sh"
SAOIDC=$BUILD/src/saoidc
RUNS=${RUNS:-200}
DURATION=${DURATION:-10s}
KEY=${KEY:-$TOP/keys/demo-rsa.pub}
for t in hyperfine wrk openssl curl; do command -v $t >/dev/null || { echo "needs $t (apt-get install hyperfine wrk openssl curl)" >&2; exit 1; }; done
[ -x "$SAOIDC" ] || { echo "build saoidc first ($SAOIDC)" >&2; exit 1; }
W=$(mktemp -d /tmp/saoidc-lean.XXXXXX)
cleanup() { [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM

echo "== startup ($RUNS runs each)"
hyperfine -N -w 20 -r "$RUNS" --export-json "$W/h.json" \
	"openssl pkey -pubin -in $KEY -noout" "$SAOIDC --version" "$SAOIDC jwks --key $KEY" >/dev/null 2>&1
/usr/bin/python3 - "$W/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
for x in r:
    print("%-60s %6.2f ms +- %.2f  (%.2fx openssl)" % (x["command"][-60:], x["mean"] * 1e3, x["stddev"] * 1e3, x["mean"] / base))
PY

echo "== start-up cost of each library family (an empty main() linked with them, --no-as-needed)"
echo 'int main(void) { return 0; }' >"$W/empty.c"
fam() { # name, pkg-config modules
	n=$1; shift
	# shellcheck disable=SC2046
	cc -O2 -o "$W/empty-$n" "$W/empty.c" -Wl,--no-as-needed $(pkg-config --libs "$@" 2>/dev/null) || exit 1
}
fam libc
fam openssl libcrypto libssl
fam mandated libcrypto libssl jansson expat yaml-0.1
fam mhd libcrypto libssl jansson expat yaml-0.1 libmicrohttpd
fam all libcrypto libssl jansson expat yaml-0.1 libmicrohttpd libcurl
hyperfine -N -w 20 -r "$RUNS" --export-json "$W/f.json" "$W/empty-libc" "$W/empty-openssl" "$W/empty-mandated" \
	"$W/empty-mhd" "$W/empty-all" >/dev/null 2>&1
/usr/bin/python3 - "$W/f.json" <<'PY'
import json, os, subprocess, sys
r = json.load(open(sys.argv[1]))["results"]
prev = None
for x in r:
    exe = x["command"]
    libs = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout.count("=>")
    step = "" if prev is None else "  (+%.2f ms)" % ((x["mean"] - prev) * 1e3)
    print("%-22s %2d libraries %6.2f ms%s" % (os.path.basename(exe), libs, x["mean"] * 1e3, step))
    prev = x["mean"]
PY

echo "== loader"
echo "shared libraries: saoidc $(ldd "$SAOIDC" | grep -c '=>'), openssl $(ldd "$(command -v openssl)" | grep -c '=>')"
LD_DEBUG=statistics "$SAOIDC" --version 2>&1 >/dev/null | awk '/total startup time/ { print "saoidc: dynamic loader " $(NF-1) " cycles" }'
LD_DEBUG=statistics openssl version 2>&1 >/dev/null | awk '/total startup time/ { print "openssl: dynamic loader " $(NF-1) " cycles" }'

echo "== rss"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/tls.key" -out "$W/tls.crt" \
	-subj /CN=localhost -days 1 2>/dev/null
rss_run() { # scheme, extra serve args...
	scheme=$1; shift
	P=$(port)
	"$SAOIDC" serve --issuer https://oidc.example.com --key "$KEY" --listen "127.0.0.1:$P" "$@" 2>/dev/null &
	SPID=$!
	i=0; while [ $i -lt 50 ] && ! curl -skf -o /dev/null "$scheme://127.0.0.1:$P/healthz"; do sleep 0.1; i=$((i + 1)); done
	idle=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SPID/status")
	wrk -t2 -c64 -d"$DURATION" "$scheme://127.0.0.1:$P/keys.json" >/dev/null
	wrk -t2 -c64 -d"$DURATION" -H 'Connection: close' "$scheme://127.0.0.1:$P/keys.json" >/dev/null
	awk -v idle="$idle" -v s="$scheme" '/^VmHWM:/ { h = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
		END { printf "%-5s idle %.1f MB, peak %.1f MB (goal <= 12 MB); now anonymous %.1f MB, file-backed %.1f MB\n", s, idle / 1024, h / 1024, a / 1024, f / 1024 }' "/proc/$SPID/status"
	awk '/^[0-9a-f]+-/ { name = $6 } /^Rss:/ { r[name] += $2 } END { for (n in r) if (r[n] >= 100) printf "   %6d KiB  %s\n", r[n], (n == "" ? "(anonymous)" : n) }' "/proc/$SPID/smaps" | sort -rn
	kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
}
rss_run http
rss_run https --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
