#!/bin/sh
# Rotation-safe publishing against s3rver behind the SigV4-checking proxy (which plays S3's
# conditional writes): a key that leaves the source stays published for --retain, the state next
# to the documents, refusals of a corrupt or newer state that change nothing, and two publishers
# racing on one prefix keeping each other's keys.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
[ -x "$HERE/node_modules/.bin/s3rver" ] || skip_all "s3rver missing: run 'npm ci' in tests/interop (dev.sh test does)"
/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip_all "python3-botocore is not installed"
SP=$(free_port)
PP=$(free_port)
mkdir -p "$T_TMP/s3data"
"$HERE/node_modules/.bin/s3rver" -d "$T_TMP/s3data" -a 127.0.0.1 -p "$SP" --silent --allow-mismatched-signatures \
	--configure-bucket saoidc-test >"$T_TMP/s3rver.log" 2>&1 &
S3PID=$!
/usr/bin/python3 "$HERE/sigv4_proxy.py" --listen "$PP" --upstream "http://127.0.0.1:$SP" --log "$T_TMP/s3.log" --key S3RVER:S3RVER \
	>"$T_TMP/proxy.out" 2>&1 &
PXPID=$!
# The same bucket through a proxy that holds conditional PUTs back 1.5 s: a window for races.
RP=$(free_port)
/usr/bin/python3 "$HERE/sigv4_proxy.py" --listen "$RP" --upstream "http://127.0.0.1:$SP" --log "$T_TMP/race.log" --key S3RVER:S3RVER \
	--slow-put-ms 1500 >"$T_TMP/race.out" 2>&1 &
RPID=$!
trap 'kill $S3PID $PXPID $RPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for curl -s "http://127.0.0.1:$SP/" || { fail "s3rver started" "$(cat "$T_TMP/s3rver.log")"; done_testing; exit 1; }
wait_for grep -q listening "$T_TMP/proxy.out"
wait_for grep -q listening "$T_TMP/race.out"
export AWS_EC2_METADATA_DISABLED=true HOME="$T_TMP/home" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE 2>/dev/null
mkdir -p "$HOME"
awsc() { aws --endpoint-url "http://127.0.0.1:$PP" "$@"; }
kid() { "$SAOIDC" jwks --key "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['keys'][0]['kid'])"; }
published() { awsc s3 cp "s3://saoidc-test/$1/keys.json" - 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(sys.stdin)['keys']))"; }
writes() { grep -cE '"method": "(PUT|POST|DELETE)"' "$T_TMP/s3.log" || true; }
A="$KEYS/demo-rsa.pub"
B="$KEYS/demo-ec256.pub"
KA=$(kid "$A")
KB=$(kid "$B")

run "$SAOIDC" publish --key "$A" s3://saoidc-test/rot
is "$RC" 0 "publish A"
is "$(published rot)" "$KA" "the JWKS has A"
contains "$(awsc s3 cp s3://saoidc-test/rot/.saoidc/retention.json - 2>/dev/null)" '"saoidc_retention": 1' "the state lives next to the documents"

run "$SAOIDC" publish --key "$B" --retain 8s s3://saoidc-test/rot
is "$RC" 0 "publish B with --retain 8s"
ERR2=$ERR
: >"$T_TMP/s3.log"
run "$SAOIDC" publish --key "$B" --retain 8s s3://saoidc-test/rot
is "$(writes)" 0 "within the window an unchanged source writes nothing (the state does not change)"
is "$(published rot)" "$KB $KA" "the JWKS has B, and A retained"
contains "$ERR2" "key $KA (gone from the source since" "stderr says A is retained"
contains "$ERR2" "kept until" "and until when"
D=$(awsc s3 cp s3://saoidc-test/rot/.well-known/openid-configuration - 2>/dev/null)
contains "$D" '"id_token_signing_alg_values_supported":["ES256","RS256"]' "the discovery document lists the retained key's algorithm too"
sleep 8
run "$SAOIDC" publish --key "$B" --retain 8s s3://saoidc-test/rot
is "$(published rot)" "$KB" "8 s later A is gone"
contains "$ERR" "retention ended" "and stderr says so"

run "$SAOIDC" publish --key "$A" --retain 0 s3://saoidc-test/rot
contains "$ERR" "--retain 0" "--retain 0 warns"
is "$(published rot)" "$KA" "and drops B at once"

# A corrupt state, a newer one: refused, nothing changed.
printf '{"saoidc_retention": 1, "keys": [{"kid": 42}]}' >"$T_TMP/bad.json"
awsc s3 cp "$T_TMP/bad.json" s3://saoidc-test/rot/.saoidc/retention.json >/dev/null 2>&1
: >"$T_TMP/s3.log"
refused "a corrupt state is refused" 1 "corrupt retention state" "$SAOIDC" publish --key "$B" s3://saoidc-test/rot
is "$(writes)" 0 "and nothing is written"
printf 'not json' >"$T_TMP/bad.json"
awsc s3 cp "$T_TMP/bad.json" s3://saoidc-test/rot/.saoidc/retention.json >/dev/null 2>&1
refused "a state that is not JSON is refused, with the way out" 1 "delete it to start over" "$SAOIDC" publish --key "$B" s3://saoidc-test/rot
printf '{"saoidc_retention": 2, "keys": []}' >"$T_TMP/bad.json"
awsc s3 cp "$T_TMP/bad.json" s3://saoidc-test/rot/.saoidc/retention.json >/dev/null 2>&1
: >"$T_TMP/s3.log"
refused "a state written by a newer saoidc is refused" 1 "newer saoidc" "$SAOIDC" publish --key "$B" s3://saoidc-test/rot
is "$(writes)" 0 "and nothing is written"
is "$(published rot)" "$KA" "the published JWKS is untouched"

# Two publishers racing on one prefix (the proxy holds conditional PUTs back 1.5 s, so both read
# the same state before either writes): neither loses the other's key.
run "$SAOIDC" publish --key "$A" s3://saoidc-test/race
C="$KEYS/demo-ec384.pub"
E="$KEYS/demo-ec521.pub"
: >"$T_TMP/s3.log"
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$RP" "$SAOIDC" publish --key "$C" --retain 1h s3://saoidc-test/race >"$T_TMP/p1.out" 2>"$T_TMP/p1.err" &
P1=$!
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$RP" "$SAOIDC" publish --key "$E" --retain 1h s3://saoidc-test/race >"$T_TMP/p2.out" 2>"$T_TMP/p2.err" &
P2=$!
wait $P1; R1=$?
wait $P2; R2=$?
is "$R1 $R2" "0 0" "both publishers exit 0"
J=$(published race)
case " $J " in *" $(kid "$C") "*) pass "the JWKS keeps the first publisher's key" ;; *) fail "the JWKS keeps the first publisher's key" "JWKS: $J" ;; esac
case " $J " in *" $(kid "$E") "*) pass "and the second's" ;; *) fail "and the second's" "JWKS: $J" ;; esac
case " $J " in *" $KA "*) pass "and the key both replaced, retained" ;; *) fail "and the key both replaced, retained" "JWKS: $J" ;; esac
R=$(grep -c '"status": 412' "$T_TMP/race.log")
[ "$R" -ge 1 ] && pass "the race happened: $R conditional write(s) lost and merged again" || fail "the race happened" "$(cat "$T_TMP/race.log")"
done_testing
