#!/bin/sh
# saoidc thumbprint against TLS servers with a root -> intermediate -> leaf chain made by openssl
# (compared with the openssl CLI pipeline), and saoidc register against an IAM emulator that
# checks every SigV4 signature with python3-botocore and answers in IAM's XML.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip_all "python3-botocore is not installed"
C="$T_TMP/pki"
make_chain "$C" oidc.test
export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null

# saoidc serve presents leaf + intermediate; openssl s_server presents the leaf alone.
TP=$(free_port)
SERVE_SCHEME=https start_serve "$TP" --issuer https://oidc.test/cluster --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$TP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
LP=$(free_port)
openssl s_server -accept "$LP" -cert "$C/leaf.pem" -key "$C/leaf.key" -www -quiet </dev/null >/dev/null 2>&1 &
SPID=$!
# (wait before picking the next free port, or it could be this one)
wait_for sh -c "openssl s_client -connect 127.0.0.1:$LP </dev/null 2>/dev/null | grep -q CONNECTED"
IP=$(free_port)
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$IP" --key AKIDIAMTEST:iam-secret-key --log "$T_TMP/iam.log" >"$T_TMP/iam.out" 2>&1 &
IAMPID=$!
trap 'kill $SPID $IAMPID $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/iam.out"

cat "$C/root.pem" "$C/inter.pem" >"$C/bundle.pem"
INTER=$(openssl x509 -in "$C/inter.pem" -fingerprint -sha1 -noout | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
LEAF=$(openssl x509 -in "$C/leaf.pem" -fingerprint -sha1 -noout | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
run "$SAOIDC" thumbprint https://oidc.test/cluster --connect-to "127.0.0.1:$TP" --ca-file "$C/root.pem"
is "$RC" 0 "thumbprint exits 0"
is "$OUT" "$INTER" "the thumbprint is the intermediate's SHA-1 (the last certificate presented)"
is "$OUT" "$(openssl_thumbprint 127.0.0.1 "$TP" oidc.test)" "it matches openssl s_client -showcerts | openssl x509 -fingerprint -sha1"
ok "40 lower-case hex digits" sh -c "printf %s '$OUT' | grep -Eq '^[0-9a-f]{40}$'"
run "$SAOIDC" thumbprint https://oidc.test/ --connect-to "127.0.0.1:$LP" --ca-file "$C/bundle.pem"
is "$OUT" "$LEAF" "a server presenting only its leaf: the leaf's SHA-1"
is "$OUT" "$(openssl_thumbprint 127.0.0.1 "$LP" oidc.test)" "which openssl's pipeline agrees with"
# A discovery document whose jwks_uri is on another host: both hosts' thumbprints.
JP=$(free_port)
SAOIDC_JP_LOG="$T_TMP/serve2.log"
"$SAOIDC" serve --issuer https://oidc.test/split --key "$KEYS/demo-rsa.pub" --jwks-uri "https://127.0.0.1:$LP/keys.json" --listen "127.0.0.1:$JP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" 2>"$SAOIDC_JP_LOG" &
JPID=$!
wait_for curl -sk "https://127.0.0.1:$JP/healthz"
run "$SAOIDC" thumbprint https://oidc.test/split --connect-to "127.0.0.1:$JP" --ca-file "$C/bundle.pem"
is "$OUT" "$INTER
$LEAF" "the issuer host's and the jwks_uri host's thumbprints, when they differ"
contains "$ERR" "127.0.0.1:$LP" "naming the jwks_uri host"
kill $JPID; wait $JPID 2>/dev/null
refused "an unknown CA is refused, with a hint" 1 "give --ca-file" "$SAOIDC" thumbprint https://oidc.test/cluster --connect-to "127.0.0.1:$TP"
refused "a host name the certificate does not cover is refused" 1 "certificate verification failed" "$SAOIDC" thumbprint https://other.test/ --connect-to "127.0.0.1:$TP" --ca-file "$C/root.pem"
run "$SAOIDC" thumbprint https://other.test/ --connect-to "127.0.0.1:$TP" --insecure
is "$OUT" "$INTER" "--insecure still computes it"
refused "an http URL is refused" 1 "not an https:// URL" "$SAOIDC" thumbprint http://oidc.test/
# A host that accepts TCP and never speaks TLS: a bounded failure, not a hang.
SILENT=$(free_port)
/usr/bin/python3 -c "import socket,sys,time; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(8); print('listening', flush=True); time.sleep(60)" "$SILENT" >"$T_TMP/silent.out" 2>&1 &
SILENTPID=$!
wait_for grep -q listening "$T_TMP/silent.out"
refused "a server that never speaks TLS fails after the deadline, naming it" 1 "no answer within 10 s" timeout 40 "$SAOIDC" thumbprint https://oidc.test/ --connect-to "127.0.0.1:$SILENT"
kill $SILENTPID 2>/dev/null
refused "a refused connection says so at once" 1 "Connection refused" "$SAOIDC" thumbprint https://oidc.test/ --connect-to "127.0.0.1:$(free_port)"

export AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" AWS_ACCESS_KEY_ID=AKIDIAMTEST AWS_SECRET_ACCESS_KEY=iam-secret-key
ISS=https://oidc.test/cluster
ARN=arn:aws:iam::123456789012:oidc-provider/oidc.test/cluster
REG="$SAOIDC register --issuer $ISS --connect-to 127.0.0.1:$TP --ca-file $C/root.pem"
actions() { sed 's/.*"action": "\([A-Za-z]*\)".*/\1/' "$T_TMP/iam.log" | tr '\n' ' '; }
writes() { actions | tr ' ' '\n' | grep -cvE '^(List|Get)OpenIDConnectProvider|^$' || true; }
state() { curl -s "http://127.0.0.1:$IP/"; }

: >"$T_TMP/iam.log"
run $REG
is "$RC" 0 "first register exits 0"
is "$OUT" "$ARN" "prints the provider ARN"
is "$(actions)" "ListOpenIDConnectProviders CreateOpenIDConnectProvider " "lists, then creates"
is "$(grep -c '"signed": true' "$T_TMP/iam.log")" 2 "botocore verified both signatures"
S=$(state)
contains "$S" "\"thumbs\": [\"$INTER\"]" "the thumbprint is the live chain's"
contains "$S" '"clients": ["sts.amazonaws.com"]' "the client ID defaults to sts.amazonaws.com"
contains "$S" '"url": "oidc.test/cluster"' "the URL is stored without its scheme"

# An account of 50 other providers (made with botocore): a re-run reads one, the list naming it.
/usr/bin/python3 - "$IP" <<'PY'
import sys, botocore.session
iam = botocore.session.get_session().create_client("iam", region_name="us-east-1",
                                                   endpoint_url="http://127.0.0.1:%s/" % sys.argv[1])
for i in range(50):
    iam.create_open_id_connect_provider(Url="https://other%02d.example.com/c" % i, ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["0" * 40])
PY
: >"$T_TMP/iam.log"
run $REG
is "$RC" 0 "second register exits 0"
is "$OUT" "$ARN" "and prints the same ARN"
is "$(writes)" 0 "the second run makes no write call"
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider " "  among 51 providers it reads only its own (the list's ARN names it)"

: >"$T_TMP/iam.log"
run $REG --client-id sts.amazonaws.com --client-id api://AzureADTokenExchange --tag team=platform --tag env=prod
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider AddClientIDToOpenIDConnectProvider TagOpenIDConnectProvider TagOpenIDConnectProvider " "a new client ID and tags are added"
: >"$T_TMP/iam.log"
run $REG --tag team=platform
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider UntagOpenIDConnectProvider " "a client ID not given is kept (no RemoveClientID call); an extra tag is removed"
contains "$ERR" "client ID api://AzureADTokenExchange: kept (not given; --prune would remove it)" "and says the client ID was kept"
S=$(state)
contains "$S" '"tags": {"team": "platform"}' "tags are as asked"
contains "$S" '"clients": ["sts.amazonaws.com", "api://AzureADTokenExchange"]' "both client IDs are still there"
# The issue's case: a provider with sts.amazonaws.com and other-aud, register --client-id new-aud.
: >"$T_TMP/iam.log"
run $REG --client-id other-aud
: >"$T_TMP/iam.log"
run $REG --client-id new-aud
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider AddClientIDToOpenIDConnectProvider " "--client-id new-aud only adds new-aud"
contains "$(state)" '"clients": ["sts.amazonaws.com", "api://AzureADTokenExchange", "other-aud", "new-aud"]' "every audience in use is still accepted"
: >"$T_TMP/iam.log"
run $REG --client-id sts.amazonaws.com --prune --dry-run
is "$(writes)" 0 "--prune --dry-run sends no write"
contains "$ERR" "client ID api://AzureADTokenExchange: to be removed (--prune)" "but lists the removals"
case "$ERR" in *"to be removed (--prune)"*"would call RemoveClientIDFromOpenIDConnectProvider"*) pass "the removals are listed before any call" ;; *) fail "the removals are listed before any call" "$ERR" ;; esac
: >"$T_TMP/iam.log"
run $REG --client-id sts.amazonaws.com --prune
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider RemoveClientIDFromOpenIDConnectProvider RemoveClientIDFromOpenIDConnectProvider RemoveClientIDFromOpenIDConnectProvider " "--prune removes the three client IDs not given"
contains "$(state)" '"clients": ["sts.amazonaws.com"]' "client IDs are exactly as asked"

: >"$T_TMP/iam.log"
run $REG --thumbprint 0123456789abcdef0123456789abcdef01234567
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider UpdateOpenIDConnectProviderThumbprint " "a pinned thumbprint is set"
contains "$ERR" "does not match the chain served now" "with a warning that it does not match the live chain"
: >"$T_TMP/iam.log"
run $REG
is "$(actions)" "ListOpenIDConnectProviders GetOpenIDConnectProvider UpdateOpenIDConnectProviderThumbprint " "auto brings the thumbprint back to the live chain"
contains "$ERR" "was 0123456789abcdef0123456789abcdef01234567" "and says what it was"

: >"$T_TMP/iam.log"
run $REG --dry-run --client-id other
is "$(writes)" 0 "--dry-run makes no write call"
contains "$ERR" "would call AddClientIDToOpenIDConnectProvider" "but says what it would do"

run $REG --dry-run --thumbprint none --issuer https://OIDC.test/cluster
contains "$ERR" "the issuer's host OIDC.test has upper-case letters" "an upper-case issuer host is warned about"
# Validation happens before any call.
: >"$T_TMP/iam.log"
refused "an issuer with a port is refused" 1 "IAM refuses a provider URL with a port" "$SAOIDC" register --issuer https://oidc.test:8443/x --thumbprint none
refused "an issuer with a trailing slash is refused" 1 "ends with a slash" "$SAOIDC" register --issuer https://oidc.test/x/ --thumbprint none
refused "an http issuer is refused" 1 "needs an https:// issuer" "$SAOIDC" register --issuer http://oidc.test/x --thumbprint none
refused "a malformed thumbprint is refused" 1 "is not 40 hex digits" "$SAOIDC" register --issuer https://oidc.test/x --thumbprint abc
refused "six thumbprints are refused" 1 "at most 5 thumbprints" "$SAOIDC" register --issuer https://oidc.test/x --thumbprint 1111111111111111111111111111111111111111 --thumbprint 2222222222222222222222222222222222222222 --thumbprint 3333333333333333333333333333333333333333 --thumbprint 4444444444444444444444444444444444444444 --thumbprint 5555555555555555555555555555555555555555 --thumbprint 6666666666666666666666666666666666666666
refused "a bad tag is a usage error" 2 "KEY=VALUE" "$SAOIDC" register --issuer https://oidc.test/x --tag novalue
is "$(wc -l <"$T_TMP/iam.log" | tr -d ' ')" 0 "none of them reached IAM"

# --thumbprint none, a session token, a retried ConcurrentModification, a wrong secret.
: >"$T_TMP/iam.log"
run env AWS_SESSION_TOKEN=iam-session-token "$SAOIDC" register --issuer https://oidc.test/second --thumbprint none
is "$RC" 0 "register with --thumbprint none and a session token"
contains "$(state)" '"tags": {}, "thumbs": [], "url": "oidc.test/second"' "the provider has no thumbprint"
is "$(grep -c '"signed": true, "token": true' "$T_TMP/iam.log")" 2 "the session token was signed into every call (list, create: the other providers are not read)"
kill $IAMPID; wait $IAMPID 2>/dev/null
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$IP" --key AKIDIAMTEST:iam-secret-key --log "$T_TMP/iam.log" --fail-once CreateOpenIDConnectProvider:ConcurrentModification >"$T_TMP/iam.out" 2>&1 &
IAMPID=$!
trap 'kill $SPID $IAMPID $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for curl -s "http://127.0.0.1:$IP/"
: >"$T_TMP/iam.log"
run "$SAOIDC" register --issuer "$ISS" --thumbprint none
is "$RC" 0 "a ConcurrentModification is retried"
is "$(grep -c '"action": "CreateOpenIDConnectProvider", "status": 409' "$T_TMP/iam.log") $(grep -c '"action": "CreateOpenIDConnectProvider", "status": 200' "$T_TMP/iam.log")" "1 1" "409, then created"
run env AWS_SECRET_ACCESS_KEY=not-the-secret-42 "$SAOIDC" register --issuer "$ISS" --thumbprint none
is "$RC" 1 "a wrong secret fails"
contains "$ERR" "SignatureDoesNotMatch" "with IAM's code"
case "$OUT$ERR" in *not-the-secret-42*) fail "the secret is not echoed" ;; *) pass "the secret is not echoed" ;; esac
# A clock 30 minutes fast: IAM's "Signature not yet current"; explained, not retried.
if command -v faketime >/dev/null 2>&1; then
	: >"$T_TMP/iam.log"
	run env FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		faketime -f +30m "$SAOIDC" register --issuer "$ISS" --thumbprint none
	is "$RC" 1 "a clock 30 minutes fast fails"
	contains "$ERR" "Signature not yet current" "with IAM's message"
	contains "$ERR" "clock is more than 15 minutes off" "and says that the clock is wrong"
	is "$(actions)" "ListOpenIDConnectProviders " "without retrying: one call"
else
	pass "a skewed clock is explained # SKIP faketime is not installed"
fi
stop_serve
# A server that sends only its own certificate: the thumbprint is the leaf's, which changes at
# every renewal. thumbprint (and register --thumbprint auto) say so.
P=$(free_port)
cat "$C/root.pem" "$C/inter.pem" >"$T_TMP/bundle.pem"
SERVE_SCHEME=https start_serve "$P" --issuer https://oidc.test/x --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$C/leaf.pem" --tls-key "$C/leaf.key"
run "$SAOIDC" thumbprint https://oidc.test/x --connect-to "127.0.0.1:$P" --ca-file "$T_TMP/bundle.pem"
is "$RC" 0 "a leaf-only chain still gives a thumbprint"
contains "$ERR" "the thumbprint is of the server's own certificate (it sends no intermediate CA): it changes at every renewal" "with a warning that it will change at the next renewal"
stop_serve
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer https://oidc.test/x --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
run "$SAOIDC" thumbprint https://oidc.test/x --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem"
is "$(printf '%s' "$ERR" | grep -c 'own certificate')" 0 "the full chain gives no such warning"
stop_serve
done_testing
