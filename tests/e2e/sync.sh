#!/bin/sh
# publish --watch, the in-cluster sync: a key file change reaches S3 within the interval (the old
# key retained), /readyz and /metrics follow, an S3 outage is retried with backoff and shows on
# /readyz, and SIGTERM stops it cleanly.
. "$SRCDIR/tests/lib.sh"
start_s3rver saoidc-test
PP=$(free_port)
MP=$(free_port)
mkdir -p "$T_TMP/keys"
proxy() {
	start_proxy "$PP" s3
	PXPID=$PROXY_PID
}
proxy
trap 'kill $S3PID $PXPID $SYNCPID $KWPID $APID 2>/dev/null; rm -rf "$T_TMP"' EXIT
KWPID=
APID=
aws_test_env us-east-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"
published() { aws --endpoint-url "http://127.0.0.1:$PP" s3 cp s3://saoidc-test/sync/keys.json - 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(sys.stdin)['keys']))" 2>/dev/null; }
metric() { curl -s "http://127.0.0.1:$MP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# poll CMD... for up to 15 s
until_ok() { i=0; while [ $i -lt 75 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; i=$((i + 1)); done; return 1; }

cp "$KEYS/demo-rsa.pub" "$T_TMP/keys/sa.pub"
KA=$(kid_of "$KEYS/demo-rsa.pub")
KB=$(kid_of "$KEYS/demo-ec256.pub")
"$SAOIDC" publish --watch --interval 3s --status-listen "127.0.0.1:$MP" --key "$T_TMP/keys" s3://saoidc-test/sync \
	>"$T_TMP/sync.out" 2>"$T_TMP/sync.err" &
SYNCPID=$!
ok "/readyz answers 200 after the first pass" until_ok curl -sf "http://127.0.0.1:$MP/readyz"
is "$(cat "$T_TMP/sync.out")" "https://saoidc-test.s3.us-east-1.amazonaws.com/sync" "the issuer is printed once on stdout"
is "$(published)" "$KA" "the first pass published the key"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MP/healthz")" 200 "/healthz answers 200"
U0=$(metric saoidc_sync_uploads_total)

# A key rotation on disk (the kubelet's Secret volume update does the same): the new key is
# published, the old one retained.
cp "$KEYS/demo-ec256.pub" "$T_TMP/keys/sa.pub"
ok "the change reaches S3 within the interval" until_ok sh -c "[ \"\$(aws --endpoint-url http://127.0.0.1:$PP s3 cp s3://saoidc-test/sync/keys.json - 2>/dev/null | /usr/bin/python3 -c \"import json,sys; print(len(json.load(sys.stdin)['keys']))\")\" = 2 ]"
is "$(published)" "$KB $KA" "the JWKS has the new key, and the old one retained"
ok "/metrics counted the uploads" until_ok sh -c "[ \"\$(curl -s http://127.0.0.1:$MP/metrics | awk '\$1 == \"saoidc_sync_uploads_total\" {print \$2}')\" -gt $U0 ]"
is "$(metric saoidc_sync_published_keys)" 2 "and shows the keys published"
contains "$(cat "$T_TMP/sync.err")" "published: 2 document(s) changed" "one log line per change"

# S3 goes away: /readyz turns 503, errors are counted and retried; back, it recovers.
kill $PXPID; wait $PXPID 2>/dev/null
kill -HUP $SYNCPID
ok "/readyz answers 503 while publishing fails" until_ok sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$MP/readyz)\" = 503 ]"
ok "the failure is counted" until_ok sh -c "[ \"\$(curl -s http://127.0.0.1:$MP/metrics | awk '\$1 == \"saoidc_sync_errors_total\" {print \$2}')\" -ge 1 ]"
contains "$(cat "$T_TMP/sync.err")" "retrying in 5s" "and retried with backoff"
proxy
ok "once S3 is back, /readyz answers 200 again" until_ok curl -sf "http://127.0.0.1:$MP/readyz"

# A source that yields no key: nothing is published (never an empty JWKS), and it shows.
mv "$T_TMP/keys/sa.pub" "$T_TMP/sa.pub.away"
ok "an empty source turns /readyz 503" until_ok sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$MP/readyz)\" = 503 ]"
is "$(published)" "$KB $KA" "and the published JWKS stays as it was"
mv "$T_TMP/sa.pub.away" "$T_TMP/keys/sa.pub"
ok "the key back, /readyz answers 200" until_ok curl -sf "http://127.0.0.1:$MP/readyz"

# --revoke while publish --watch runs: a one-shot run withdraws the retained key A; the watch's
# next pass (SIGHUP makes it now) reads the state and does not bring A back.
run "$SAOIDC" publish --key "$T_TMP/keys" --revoke "$KA" s3://saoidc-test/sync
is "$RC" 0 "publish --revoke A beside the running watch"
is "$(published)" "$KB" "A is gone from the JWKS at once"
runs0=$(metric saoidc_sync_runs_total)
kill -HUP $SYNCPID
ok "the watch runs a pass" until_ok sh -c "[ \"\$(curl -s http://127.0.0.1:$MP/metrics | awk '\$1 == \"saoidc_sync_runs_total\" {print \$2}')\" -gt $runs0 ]"
ok "  which succeeds" until_ok curl -sf "http://127.0.0.1:$MP/readyz"
is "$(published)" "$KB" "and A stays out: the watch reads the state, it does not resurrect the key"

# The status listener under slowloris: 64 connections from 4 addresses sending a byte every
# second (/healthz was unanswerable for 28 s): few connections per address, and a whole request
# within 3 s, keep the probes answered.
cat >"$T_TMP/trickle.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(64):
    try:
        s = socket.socket()
        s.bind(("127.0.0.%d" % (2 + i % 4), 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"G")
        held.append(s)
    except OSError:
        pass
print("trickling", len(held), flush=True)
for t in range(6):
    time.sleep(1)
    for s in held:
        try:
            s.sendall(b"E")
        except OSError:
            pass
PY
/usr/bin/python3 "$T_TMP/trickle.py" "$MP" >"$T_TMP/trickle.out" 2>&1 &
TR=$!
wait_for grep -q trickling "$T_TMP/trickle.out"
T=$(curl -s -o /dev/null -m 2 -w '%{http_code} %{time_total}' "http://127.0.0.1:$MP/healthz")
is "${T%% *}" 200 "while 64 connections from 4 addresses trickle, /healthz answers (took ${T#* } s)"
wait $TR

# SIGHUP during passes (a storm of them): each starts a pass; none kills the process (the status
# thread once took it, and SIGHUP's default action ended publish --watch with 129).
runs0=$(curl -s "http://127.0.0.1:$MP/metrics" | awk '$1 == "saoidc_sync_runs_total" {print $2}')
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do kill -HUP $SYNCPID 2>/dev/null; done
ok "20 SIGHUPs: publish --watch runs a pass for them" until_ok sh -c "[ \"\$(curl -s http://127.0.0.1:$MP/metrics | awk '\$1 == \"saoidc_sync_runs_total\" {print \$2}')\" -gt $runs0 ]"
ok "and is still running" kill -0 $SYNCPID
kill -TERM $SYNCPID
wait $SYNCPID
is "$?" 0 "SIGTERM stops it with exit 0"
SYNCPID=
# kube://: the Secret is watched, so a rotation is published within seconds, though the interval
# is an hour.
eksa_api_data
start_apiserver "$C" "$D" sa-token-for-saoidc --allow eksa-system/mgmt-sa --watch-secrets
MP2=$(free_port)
"$SAOIDC" publish --watch --interval 1h --status-listen "127.0.0.1:$MP2" --key kube://eksa-system/mgmt-sa \
	--kube-api "https://127.0.0.1:$AP" --kube-token-file "$T_TMP/token" --kube-ca "$C/root.pem" s3://saoidc-test/kwatch \
	>"$T_TMP/kw.out" 2>"$T_TMP/kw.err" &
KWPID=$!
ok "publish --watch of a kube:// Secret is ready" until_ok curl -sf "http://127.0.0.1:$MP2/readyz"
contains "$(cat "$T_TMP/kw.err")" "watching 1 Secret through the Kubernetes API" "and watches the Secret"
wait_for grep -q '"watch": true' "$T_TMP/api.log"
kwpub() { aws --endpoint-url "http://127.0.0.1:$PP" s3 cp s3://saoidc-test/kwatch/keys.json - 2>/dev/null; }
/usr/bin/python3 - "$D/eksa-system_mgmt-sa.json" "$KEYS/demo-ec256.pub" <<'PY'
import base64, json, sys
s = json.load(open(sys.argv[1]))
s["data"] = {"tls.crt": base64.b64encode(open(sys.argv[2], "rb").read()).decode()}
json.dump(s, open(sys.argv[1] + ".new", "w"))
PY
t0=$(date +%s%N)
mv "$D/eksa-system_mgmt-sa.json.new" "$D/eksa-system_mgmt-sa.json"
ok "the rotated Secret's key is published through the watch (the interval is an hour)" until_ok sh -c "aws --endpoint-url http://127.0.0.1:$PP s3 cp s3://saoidc-test/kwatch/keys.json - 2>/dev/null | grep -q P-256"
t1=$(date +%s%N)
echo "# published $(((t1 - t0) / 1000000)) ms after the Secret changed (it was up to --interval, 60 s by default)"
contains "$(cat "$T_TMP/kw.err")" "a watched Secret changed: publishing" "the log says why"
kill -TERM $KWPID
wait $KWPID
is "$?" 0 "and it stops cleanly"
kill $APID 2>/dev/null
refused "--watch with --dry-run is a usage error" 2 "--watch runs until stopped" "$SAOIDC" publish --watch --dry-run --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x
refused "--interval 0 is refused" 2 "--interval takes a duration of at least 1s" "$SAOIDC" publish --watch --interval 0 --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x
done_testing
