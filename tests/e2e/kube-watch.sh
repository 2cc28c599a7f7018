#!/bin/sh
# The watch of kube:// Secrets when the API server is unkind, against the API stand-in: every
# watch answered 410 Gone (a compacted resourceVersion) until the object changes, the API server
# gone and back on the same address, and one that answers every request late. serve and
# publish --watch still follow a key change, re-list with backoff instead of spinning, and say
# so in /metrics.
. "$SRCDIR/tests/lib.sh"
eksa_api_data
# api ARGS...: the stand-in on $AP (kept across restarts), logging to $T_TMP/api.log.
AP=$(free_port)
api() {
	: >"$T_TMP/api.out"
	/usr/bin/python3 "$SRCDIR/tests/interop/fake_apiserver.py" --listen "$AP" --cert "$C/chain.pem" --key "$C/leaf.key" \
		--token sa-token-for-saoidc --dir "$D" --log "$T_TMP/api.log" --allow eksa-system/mgmt-sa --watch-secrets "$@" \
		>"$T_TMP/api.out" 2>&1 &
	APID=$!
	wait_for grep -q listening "$T_TMP/api.out"
}
trap 'kill $APID $SERVE_PID ${PUBPID:-} 2>/dev/null; rm -rf "$T_TMP"' EXIT
K="--kube-api https://127.0.0.1:$AP --kube-token-file $T_TMP/token --kube-ca $C/root.pem"
watches() { grep -c '"watching": true' "$T_TMP/api.log" || true; }
ticks() { set -- $(cut -d' ' -f14,15 "/proc/$1/stat"); echo $(($1 + $2)); }
restarts() { curl -s "$1" | sed -n 's/^saoidc_kube_watch_restarts_total //p'; }

# 410 Gone on every watch until the Secret changes (the list's resourceVersion is compacted).
: >"$T_TMP/api.log"
api --initial-rv 10 --compacted-rv 12
P=$(free_port)
start_serve "$P" --issuer "http://127.0.0.1:$P" --key kube://eksa-system/mgmt-sa $K --listen "127.0.0.1:$P" \
	--kube-poll-interval 3600 --watch-interval 0
RV=$(curl -s --cacert "$C/root.pem" -H "Authorization: Bearer sa-token-for-saoidc" \
	"https://127.0.0.1:$AP/api/v1/namespaces/eksa-system/secrets?fieldSelector=metadata.name=mgmt-sa" |
	/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['metadata']['resourceVersion'])")
contains "$(curl -s --max-time 5 --cacert "$C/root.pem" -H "Authorization: Bearer sa-token-for-saoidc" \
	"https://127.0.0.1:$AP/api/v1/namespaces/eksa-system/secrets?watch=1&resourceVersion=$RV&fieldSelector=metadata.name=mgmt-sa")" \
	'"code": 410' "the stand-in answers a watch from the list's resourceVersion ($RV) with 410 Gone"
ok "  serve re-lists and watches again (restarts in /metrics)" \
	wait_for sh -c "curl -s 'http://127.0.0.1:$P/metrics' | grep -q '^saoidc_kube_watch_restarts_total [1-9]'"
w0=$(watches)
t0=$(ticks "$SERVE_PID")
sleep 2 # a window to count in, not a wait for something
w1=$(watches)
t1=$(ticks "$SERVE_PID")
ok "  with backoff, not in a loop: $((w1 - w0)) watch requests in 2 s" test $((w1 - w0)) -le 6
ok "  and no CPU to speak of ($((t1 - t0)) ticks in 2 s; a busy loop is about 200)" test $((t1 - t0)) -lt 100
set_secret_key "$KEYS/demo-ec256.pub"
ok "a key change is served although every watch so far got 410 (the re-list finds it)" \
	wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q P-256"
set_secret_key "$KEYS/demo-ec384.pub"
ok "  and the watch from the new resourceVersion streams the next one" \
	wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q P-384"
stop_serve
is "$SERVE_RC" 0 "serve stops cleanly"

# publish --watch: the API server goes away and comes back on the same address; meanwhile no
# busy loop; after it, a change is published.
kill $APID
wait $APID 2>/dev/null
set_secret_key "$KEYS/demo-rsa.pub"
: >"$T_TMP/api.log"
api
start_s3rver bucket
trap 'kill $APID $SERVE_PID $S3PID ${PUBPID:-} 2>/dev/null; rm -rf "$T_TMP"' EXIT
aws_test_env us-east-1
MP=$(free_port)
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$SP" "$SAOIDC" publish --watch --interval 1h --status-listen "127.0.0.1:$MP" \
	--key kube://eksa-system/mgmt-sa $K --issuer https://oidc.example.com/w s3://bucket/w >/dev/null 2>"$T_TMP/pub.log" &
PUBPID=$!
obj() { curl -s "http://127.0.0.1:$SP/bucket/w/keys.json"; }
ok "publish --watch publishes the Secret's key" wait_for sh -c "curl -s http://127.0.0.1:$SP/bucket/w/keys.json | grep -q RSA"
ok "  and watches it" wait_for grep -q '"watching": true' "$T_TMP/api.log"
kill $APID
wait $APID 2>/dev/null
ok "the API server gone: the broken stream is a restart in /metrics" \
	wait_for sh -c "test \"\$(curl -s http://127.0.0.1:$MP/metrics | sed -n 's/^saoidc_kube_watch_restarts_total //p')\" -ge 1"
t0=$(ticks "$PUBPID")
sleep 2 # a window to count in
t1=$(ticks "$PUBPID")
ok "  while it is down, no busy loop ($((t1 - t0)) ticks in 2 s; a busy loop is about 200)" test $((t1 - t0)) -lt 100
set_secret_key "$KEYS/demo-ec256.pub"
api --initial-rv 100
WAIT_S=40 # the watch's backoff after the failures meanwhile: up to 10 s between tries
ok "back on the same address: the change made meanwhile is published" wait_for sh -c "curl -s http://127.0.0.1:$SP/bucket/w/keys.json | grep -q P-256"
WAIT_S=10
set_secret_key "$KEYS/demo-ec384.pub"
ok "  and the next one, through the new watch" wait_for sh -c "curl -s http://127.0.0.1:$SP/bucket/w/keys.json | grep -q P-384"
kill -TERM $PUBPID
wait $PUBPID
is "$?" 0 "publish --watch stops cleanly"
PUBPID=""

# A slow API server (every answer 1 s late): changes still arrive.
kill $APID
wait $APID 2>/dev/null
: >"$T_TMP/api.log"
api --delay 1 --initial-rv 200
P=$(free_port)
start_serve "$P" --issuer "http://127.0.0.1:$P" --key kube://eksa-system/mgmt-sa $K --listen "127.0.0.1:$P" \
	--kube-poll-interval 3600 --watch-interval 0
ok "a slow API server: serve starts with the Secret's key" sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q P-384"
ok "  and watches it" wait_for grep -q '"watching": true' "$T_TMP/api.log"
set_secret_key "$KEYS/demo-rsa.pub"
ok "  a change is served through the slow stream" wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q RSA"
stop_serve
is "$SERVE_RC" 0 "serve stops cleanly"
done_testing
