#!/bin/sh
# Rotation-safe publishing against s3rver behind the SigV4-checking proxy (which plays S3's
# conditional writes): a key that leaves the source stays published for --retain, the state next
# to the documents, refusals of a corrupt or newer state that change nothing, and two publishers
# racing on one prefix keeping each other's keys.
. "$SRCDIR/tests/lib.sh"
start_s3_racing
A="$KEYS/demo-rsa.pub"
B="$KEYS/demo-ec256.pub"
KA=$(kid_of "$A")
KB=$(kid_of "$B")

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
# Publish again until the 8 s have passed (each run before then keeps A; none writes).
WAIT_S=20 wait_for sh -c "'$SAOIDC' publish --key '$B' --retain 8s s3://saoidc-test/rot 2>'$T_TMP/expiry.err' && grep -q 'retention ended' '$T_TMP/expiry.err'"
is "$(published rot)" "$KB" "8 s later A is gone"
contains "$(cat "$T_TMP/expiry.err")" "retention ended" "and stderr says so"

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
printf '{"saoidc_retention": 99, "keys": []}' >"$T_TMP/bad.json"
awsc s3 cp "$T_TMP/bad.json" s3://saoidc-test/rot/.saoidc/retention.json >/dev/null 2>&1
: >"$T_TMP/s3.log"
refused "a state written by a newer saoidc is refused" 1 "newer saoidc" "$SAOIDC" publish --key "$B" s3://saoidc-test/rot
is "$(writes)" 0 "and nothing is written"
is "$(published rot)" "$KA" "the published JWKS is untouched"

# --revoke: a mistaken or compromised key leaves the JWKS at once and never comes back.
run "$SAOIDC" publish --key "$A" s3://saoidc-test/rev
run "$SAOIDC" publish --key "$B" s3://saoidc-test/rev
is "$(published rev)" "$KB $KA" "A is retained after B replaced it"
: >"$T_TMP/s3.log"
refused "--revoke of a key the source still holds is refused" 1 "the source still holds this key" "$SAOIDC" publish --key "$B" --revoke "$KB" s3://saoidc-test/rev
is "$(writes)" 0 "and nothing is written"
refused "--revoke of a kid that is not published is refused" 1 "no published key has this kid" "$SAOIDC" publish --key "$B" --revoke not-a-kid s3://saoidc-test/rev
run "$SAOIDC" publish --key "$B" --revoke "$KA" --dry-run s3://saoidc-test/rev
is "$RC $(writes)" "0 0" "--revoke --dry-run exits 0 and writes nothing"
contains "$ERR" "key $KA (withdrawn from the JWKS now, for good): revoked" "but says what it would withdraw"
is "$(published rev)" "$KB $KA" "the JWKS still has A"
run "$SAOIDC" publish --key "$B" --revoke "$KA" s3://saoidc-test/rev
is "$RC" 0 "publish --revoke A exits 0"
is "$(published rev)" "$KB" "A is gone from the JWKS at once"
contains "$(awsc s3 cp s3://saoidc-test/rev/.saoidc/retention.json - 2>/dev/null)" "\"revoked\"" "the state records the revocation"
run "$SAOIDC" publish --key "$B" s3://saoidc-test/rev
is "$(published rev)" "$KB" "a second run without --revoke does not bring A back from the state"
: >"$T_TMP/s3.log"
refused "a source holding the revoked key again is refused" 1 "was revoked on" "$SAOIDC" publish --key "$A" --key "$B" s3://saoidc-test/rev
is "$(writes)" 0 "and nothing is written"
# The same through render's state in the output directory.
R="$T_TMP/site"
"$SAOIDC" render --issuer https://oidc.example.com/c --key "$A" --out "$R" 2>/dev/null
"$SAOIDC" render --issuer https://oidc.example.com/c --key "$B" --out "$R" 2>/dev/null
rkids() { /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(open(sys.argv[1]))['keys']))" "$R/keys.json"; }
is "$(rkids)" "$KB $KA" "render retains A"
run "$SAOIDC" render --issuer https://oidc.example.com/c --key "$B" --out "$R" --revoke "$KA" --dry-run
is "$RC $(rkids)" "0 $KB $KA" "render --revoke --dry-run changes nothing"
contains "$ERR" "withdrawn from the JWKS now" "and says what it would withdraw"
run "$SAOIDC" render --issuer https://oidc.example.com/c --key "$B" --out "$R" --revoke "$KA"
is "$RC $(rkids)" "0 $KB" "render --revoke A withdraws it"
run "$SAOIDC" render --issuer https://oidc.example.com/c --key "$B" --out "$R"
is "$(rkids)" "$KB" "and a later render does not bring it back"
refused "render refuses a source holding the revoked key again" 1 "was revoked on" "$SAOIDC" render --issuer https://oidc.example.com/c --key "$A" --out "$R"

# Two publishers racing on one prefix (the proxy holds conditional PUTs back 1.5 s, so both read
# the same state before either writes): neither loses the other's key.
run "$SAOIDC" publish --key "$A" s3://saoidc-test/race
C="$KEYS/demo-ec384.pub"
E="$KEYS/demo-ec521.pub"
: >"$T_TMP/s3.log"
at_once AWS_ENDPOINT_URL_S3="http://127.0.0.1:$RP" "publish --key $C --retain 1h s3://saoidc-test/race" \
	"publish --key $E --retain 1h s3://saoidc-test/race"
is "$R1 $R2" "0 0" "both publishers exit 0"
J=$(published race)
case " $J " in *" $(kid_of "$C") "*) pass "the JWKS keeps the first publisher's key" ;; *) fail "the JWKS keeps the first publisher's key" "JWKS: $J" ;; esac
case " $J " in *" $(kid_of "$E") "*) pass "and the second's" ;; *) fail "and the second's" "JWKS: $J" ;; esac
case " $J " in *" $KA "*) pass "and the key both replaced, retained" ;; *) fail "and the key both replaced, retained" "JWKS: $J" ;; esac
R=$(grep -c '"status": 412' "$T_TMP/race.log")
[ "$R" -ge 1 ] && pass "the race happened: $R conditional write(s) lost and merged again" || fail "the race happened" "$(cat "$T_TMP/race.log")"
done_testing
