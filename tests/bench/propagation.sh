#!/bin/sh
# Benchmark (not part of make check): how fast a key change in the cluster becomes public.
# A Kubernetes API stand-in (tests/interop/fake_apiserver.py, with list + watch of one Secret)
# holds the signing key; CHANGES times its key is switched between two keys, and each time the
# script measures how long until `saoidc serve --key kube://NS/NAME` serves the new kid. Printed:
# p50 and max, and the ratio against the polling peers' intervals as their expected delay (half
# the interval on average, the whole interval at worst): saoidc's own poll before the watch
# (--kube-poll-interval 30 s), SPIRE's OIDC discovery provider (10 s), kube-iam-assume (60 s).
# Then the same for `saoidc publish --watch --key kube://NS/NAME s3://...` (s3rver from
# tests/interop, npm ci): the time until the object in the bucket has the new kid, against the
# publish job's poll before the watch (--interval 60 s).
# usage: tests/bench/propagation.sh [BUILD_DIR]   (env: CHANGES, default 20)
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$TOP/build}
. "$TOP/tests/bench/lib.sh"
SAOIDC=$BUILD/src/saoidc
CHANGES=${CHANGES:-20}
for t in openssl curl python3; do command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }; done
[ -x "$SAOIDC" ] || { echo "build saoidc first ($SAOIDC)" >&2; exit 1; }
W=$(mktemp -d /tmp/saoidc-prop.XXXXXX)
cleanup() { kill ${SPID:-} ${APID:-} ${PUBPID:-} ${S3PID:-} 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT INT TERM

# The API stand-in's TLS: a throwaway CA and a leaf for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ca.key" -out "$W/ca.pem" \
	-days 1 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/leaf.key" -out "$W/leaf.csr" -subj "/CN=api" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$W/leaf.ext"
openssl x509 -req -in "$W/leaf.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 1 -extfile "$W/leaf.ext" \
	-out "$W/leaf.pem" 2>/dev/null
mkdir -p "$W/api"
# The Secret with each key, made once: a change is then one rename (what is timed).
for k in rsa ec256; do
	python3 - "$W/secret-$k.json" "$TOP/keys/demo-$k.pub" <<'PY'
import base64, json, sys
json.dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sa", "namespace": "ns"},
           "data": {"tls.crt": base64.b64encode(open(sys.argv[2], "rb").read()).decode()}}, open(sys.argv[1], "w"))
PY
done
secret() { cp "$W/secret-$1.json" "$W/api/.next" && mv "$W/api/.next" "$W/api/ns_sa.json"; }
secret rsa
printf 'bench-token\n' >"$W/token"
AP=$(port)
python3 "$TOP/tests/interop/fake_apiserver.py" --listen "$AP" --cert "$W/leaf.pem" --key "$W/leaf.key" --token bench-token \
	--dir "$W/api" --log "$W/api.log" --allow ns/sa --watch-secrets >"$W/api.out" 2>&1 &
APID=$!
i=0
until grep -q listening "$W/api.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "the API stand-in did not come up: $(cat "$W/api.out")" >&2; exit 1; }
	sleep 0.05
done
P=$(port)
"$SAOIDC" serve --issuer "http://127.0.0.1:$P" --key kube://ns/sa --kube-api "https://127.0.0.1:$AP" \
	--kube-token-file "$W/token" --kube-ca "$W/ca.pem" --listen "127.0.0.1:$P" --watch-interval 0 2>"$W/serve.log" &
SPID=$!
i=0
until curl -sf "http://127.0.0.1:$P/readyz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "serve did not come up: $(cat "$W/serve.log")" >&2; exit 1; }
	sleep 0.05
done
kid() { "$SAOIDC" jwks --key "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["kid"])'; }
KA=$(kid "$TOP/keys/demo-rsa.pub") KB=$(kid "$TOP/keys/demo-ec256.pub")
# changes URL: switches the key CHANGES times, each time timing until URL shows the new kid
# (milliseconds, one per line, in $W/ms).
changes() {
	: >"$W/ms"
	n=0
	while [ $n -lt "$CHANGES" ]; do
		if [ $((n % 2)) -eq 0 ]; then f=ec256 want=$KB; else f=rsa want=$KA; fi
		t0=$(date +%s%N)
		secret "$f"
		until curl -s "$1" | grep -q "$want"; do
			[ $((($(date +%s%N) - t0) / 1000000)) -lt 120000 ] || { echo "change $n not seen in 120 s" >&2; exit 1; }
			sleep 0.01
		done
		echo $((($(date +%s%N) - t0) / 1000000)) >>"$W/ms"
		n=$((n + 1))
	done
}
# report WHAT REQUESTS PEERS: p50, max and the ratios against polling peers ("name:seconds,...").
report() {
	python3 - "$W/ms" "$2" "$1" "$3" <<'PY'
import statistics, sys
ms = sorted(int(l) for l in open(sys.argv[1]))
p50, mx = statistics.median(ms), ms[-1]
print("key change -> %s, %d changes:" % (sys.argv[3], len(ms)))
print("  p50 %.0f ms, max %d ms; API requests in all: %s (the list, the watch, one GET per change; none between changes)" % (p50, mx, sys.argv[2]))
for peer in sys.argv[4].split(","):
    name, interval = peer.rsplit(":", 1)
    interval = int(interval)
    print("  vs %-36s (poll %2d s: about %4.1f s on average, %2d s at worst): %6.0fx faster on average, %5.0fx at worst"
          % (name, interval, interval / 2, interval, interval / 2 * 1000 / max(p50, 1), interval * 1000 / max(mx, 1)))
PY
}
changes "http://127.0.0.1:$P/keys.json"
report "served by saoidc serve --key kube://NS/NAME (watch)" "$(grep -c '"path"' "$W/api.log")" \
	"saoidc's own poll before the watch:30,SPIRE OIDC discovery provider:10,kube-iam-assume:60"
kill "$SPID"
SPID=""

# publish --watch to S3 (s3rver), the same changes.
S3RVER=$TOP/tests/interop/node_modules/.bin/s3rver
if [ ! -x "$S3RVER" ]; then
	echo "publish --watch: skipped (s3rver missing: npm ci in tests/interop)"
	exit 0
fi
S3P=$(port)
mkdir -p "$W/s3"
"$S3RVER" -d "$W/s3" -a 127.0.0.1 -p "$S3P" --silent --allow-mismatched-signatures --configure-bucket bench >"$W/s3rver.log" 2>&1 &
S3PID=$!
i=0
until curl -s "http://127.0.0.1:$S3P/" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "s3rver did not come up" >&2; exit 1; }
	sleep 0.05
done
: >"$W/api.log"
secret rsa
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
	AWS_ENDPOINT_URL_S3="http://127.0.0.1:$S3P" HOME="$W" \
	"$SAOIDC" publish --watch --key kube://ns/sa --kube-api "https://127.0.0.1:$AP" --kube-token-file "$W/token" \
	--kube-ca "$W/ca.pem" --issuer https://oidc.example.com/bench --status-listen "127.0.0.1:$(port)" s3://bench/p \
	>/dev/null 2>"$W/publish.log" &
PUBPID=$!
i=0
until curl -s "http://127.0.0.1:$S3P/bench/p/keys.json" | grep -qF -- "$KA"; do
	i=$((i + 1))
	[ $i -lt 400 ] || { echo "publish --watch did not publish: $(cat "$W/publish.log")" >&2; exit 1; }
	sleep 0.05
done
changes "http://127.0.0.1:$S3P/bench/p/keys.json"
report "published to S3 by saoidc publish --watch --key kube://NS/NAME" "$(grep -c '"path"' "$W/api.log")" \
	"the publish job's poll before the watch:60,kube-iam-assume:60"
