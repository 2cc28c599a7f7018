#!/bin/sh
# saoidc verify and saoidc token: tokens from independent libraries (python3-jwt, node jose)
# for every algorithm and tampered ones; a served issuer over TLS from a local CA, correct and
# broken in each way users meet; the IAM provider check against the IAM emulator.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
/usr/bin/python3 -c 'import jwt, jwcrypto, botocore' 2>/dev/null || skip_all "python3-jwt, python3-jwcrypto or python3-botocore missing"
[ -d "$HERE/node_modules/jose" ] || skip_all "node modules missing: run 'npm ci' in tests/interop"
export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true
ISS=https://oidc.test/cluster
TK="$T_TMP/tokens"
/usr/bin/python3 "$HERE/tokens.py" "$TK" "$ISS"
(cd "$HERE" && node sign-all.mjs "$TK" "$ISS")

# Offline: every algorithm from both libraries verifies; every tampered token fails.
for f in "$TK"/good-*.jwt "$TK"/node-*.jwt; do
	n=$(basename "$f" .jwt)
	run "$SAOIDC" token verify --jwks "$TK/jwks.json" --token "$f" --issuer "$ISS"
	is "$RC" 0 "token verify: $n (jwks by python3-jwcrypto)"
done
for case in "header-flip|FAIL] token " "payload-flip|FAIL] token " "signature-flip|signature does not verify" \
	"alg-none|\"none\" is refused" "hs256-confusion|\"HS256\" is refused" "kid-other-key|is for RS512, but the token is signed RS256" \
	"kid-unknown|kid \"nope\" is not in the JWKS" "es256-der-signature|must be 64 bytes (r || s)" "expired|expired" \
	"wrong-aud|aud does not contain sts.amazonaws.com" "wrong-iss|iss is \"$ISS/\""; do
	n=${case%%|*} want=${case#*|}
	run "$SAOIDC" token verify --jwks "$TK/jwks.json" --token "$TK/bad-$n.jwt" --issuer "$ISS"
	is "$RC" 1 "token verify refuses $n"
	contains "$OUT" "$want" "  and says why ($n)"
done
run "$SAOIDC" token decode "$TK/good-ES384.jwt"
contains "$OUT" "NOT VERIFIED" "token decode says it did not verify"
contains "$OUT" '"alg": "ES384"' "and prints the header"
EXP_UTC=$(/usr/bin/python3 -c '
import base64, datetime, json, sys
p = open(sys.argv[1]).read().split(".")[1]
exp = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["exp"]
print(datetime.datetime.fromtimestamp(exp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"))' "$TK/good-ES384.jwt")
contains "$OUT" "exp: $EXP_UTC" "and the times in UTC"
refused "token decode of garbage fails clearly" 1 "not a compact JWS" "$SAOIDC" token decode "$KEYS/demo-rsa.pub"
# Times beyond any calendar (exp is any JSON integer): printed as seconds, never as garbage.
/usr/bin/python3 -c "
import base64,json
b=lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b'=').decode()
print(b({'alg':'RS256','kid':'k'})+'.'+b({'iss':'https://x','exp':9000000000000000000,'iat':-9000000000000000000,'nbf':0})+'.c2ln')" >"$T_TMP/far.jwt"
run "$SAOIDC" token decode "$T_TMP/far.jwt"
is "$RC" 0 "token decode of a token with exp 9e18 exits 0"
contains "$OUT" "exp: @9000000000000000000" "exp beyond year 9999 is printed as seconds"
contains "$OUT" "iat: @-9000000000000000000" "and so is an iat before year 1"
contains "$OUT" "nbf: 1970-01-01 00:00:00 UTC" "an ordinary time as a date"

# Live: a served issuer behind TLS from a local CA, with --connect-to.
C="$T_TMP/pki"
make_chain "$C" oidc.test
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T_TMP/other.key" 2>/dev/null
mint() { # KEYFILE [claim overrides as python dict] -> token on stdout
	/usr/bin/python3 - "$1" "$ISS" "${2:-{\}}" <<'PY'
import base64, hashlib, json, sys, time, jwt
from cryptography.hazmat.primitives import serialization as s
key = s.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
der = key.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
now = int(time.time())
c = {"iss": sys.argv[2], "aud": ["sts.amazonaws.com"], "sub": "system:serviceaccount:ci:app", "iat": now, "nbf": now, "exp": now + 600}
over = eval(sys.argv[3])
kid = over.pop("_kid", kid)
c.update(over)
print(jwt.encode(c, key, algorithm="RS256", headers={"kid": kid}))
PY
}
mint "$KEYS/demo-rsa.key" >"$T_TMP/good.jwt"
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --key "$T_TMP/other.key" --listen "127.0.0.1:$P" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
V="$SAOIDC verify --connect-to 127.0.0.1:$P --ca-file $C/root.pem"
# A DNS failure and a TLS failure are told apart.
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --issuer "$ISS"
contains "$OUT" "TLS: the server's certificate is not trusted or is not for this host name (a private CA? give --ca-file)" "an untrusted chain is named a TLS failure, with the fix"
make_chain "$T_TMP/otherpki" oidc.test
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$T_TMP/otherpki/root.pem" --issuer "$ISS"
contains "$OUT" "the certificate is not trusted by the --ca-file given: check that file" "with a --ca-file that is not the issuer's CA, the fix names that file (not the internet)"
run "$SAOIDC" verify --issuer https://no-such-host.invalid/x
contains "$OUT" "DNS: the host name does not resolve" "a name that does not resolve is named a DNS failure"
refused "thumbprint too: a DNS failure is not called a TLS failure" 1 "DNS: no-such-host.invalid does not resolve" "$SAOIDC" thumbprint https://no-such-host.invalid/x
run $V --issuer "$ISS" --key "$KEYS/demo-rsa.key" --token "$T_TMP/good.jwt"
is "$RC" 0 "a good setup passes"
is "$(printf '%s\n' "$OUT" | grep -c '^\[PASS\]')" 14 "all fourteen checks pass (jwks-cache, fetch-time and for-aws included)"
run "$SAOIDC" token verify --jwks "https://127.0.0.1:$P/keys.json" --ca-file "$C/root.pem" --token "$T_TMP/good.jwt" --issuer "$ISS"
is "$RC" 0 "token verify fetches a JWKS by URL"
run $V --issuer "$ISS" --json --token "$T_TMP/good.jwt"
ok "--json gives a JSON report" /usr/bin/python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert r['ok'] and all(c['status']=='pass' for c in r['checks'])" "$OUT"

run $V --issuer "$ISS/"
is "$RC" 1 "a trailing-slash issuer fails"
contains "$OUT" "[FAIL] issuer" "on the issuer check"
contains "$OUT" "a trailing slash differs" "with the reason"
mint "$KEYS/demo-rsa.key" "{'_kid': '$("$SAOIDC" inspect --json --key "$T_TMP/other.key" | sed -n 's/.*"kid": "\(.*\)".*/\1/p')'}" >"$T_TMP/otherkid.jwt"
run $V --issuer "$ISS" --token "$T_TMP/otherkid.jwt"
contains "$OUT" "[FAIL] token-signature signature does not verify" "a kid pointing at another published key fails on the signature"
mint "$KEYS/demo-rsa.key" "{'_kid': 'not-a-kube-kid'}" >"$T_TMP/wrongkid.jwt"
run $V --issuer "$ISS" --token "$T_TMP/wrongkid.jwt"
contains "$OUT" '[FAIL] token-kid       kid "not-a-kube-kid" is not in the JWKS' "a wrong kid fails on token-kid"
run $V --issuer "$ISS" --key "$KEYS/demo-ec256.pub"
contains "$OUT" "[FAIL] local-keys" "a local key that is not published fails"
contains "$OUT" "[WARN] extra-keys" "and published keys not given locally are listed"
mint "$KEYS/demo-rsa.key" "{'exp': int(time.time()) - 30}" >"$T_TMP/expired.jwt"
run $V --issuer "$ISS" --token "$T_TMP/expired.jwt"
contains "$OUT" "[FAIL] token-time      expired" "an expired token fails"
mint "$KEYS/demo-rsa.key" "{'aud': ['api://AzureADTokenExchange']}" >"$T_TMP/aud.jwt"
run $V --issuer "$ISS" --token "$T_TMP/aud.jwt"
contains "$OUT" "[FAIL] token-aud" "a wrong audience fails"
contains "$OUT" "Incorrect token audience" "naming STS's error"
run $V --issuer "$ISS" --token "$T_TMP/aud.jwt" --audience api://AzureADTokenExchange
is "$RC" 0 "--audience changes what is expected"
contains "$OUT" "[PASS] jwks-cache" "the JWKS's Cache-Control (max-age 3600) lets STS cache it"
contains "$OUT" "[PASS] fetch-time" "the time to fetch both documents is measured"
contains "$OUT" "[PASS] for-aws" "aws is checked by default"
case "$OUT" in *for-azure* | *for-gcp*) fail "only aws without --for" "$OUT" ;; *) pass "only aws without --for" ;; esac
run $V --issuer "$ISS" --for aws,azure,gcp
is "$RC" 0 "RSA keys: every cloud takes them"
contains "$OUT" "[PASS] for-azure" "  azure passes"
contains "$OUT" "the federated credential's issuer must be exactly \"$ISS\"" "  and says Entra compares the issuer byte for byte"
contains "$OUT" "[PASS] for-gcp" "  gcp passes"
refused "--for names only clouds saoidc knows" 2 "\"oracle\" is not a cloud saoidc knows" $V --issuer "$ISS" --for aws,oracle
stop_serve

# An ES256-only issuer whose JWKS may not be cached: AWS and GCP take it, Azure does not, and
# STS is warned about; a trailing slash in the issuer given fails the issuer check.
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --listen "127.0.0.1:$P" --cache-max-age 0 \
	--tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS" --for aws,azure,gcp
is "$RC" 1 "verify --for azure on an ES256 issuer fails"
contains "$OUT" "[FAIL] for-azure" "  for-azure fails"
contains "$OUT" "AADSTS5002738" "  naming Entra's error"
contains "$OUT" "[PASS] for-aws" "  while aws passes (ES* since 2024-11-20)"
contains "$OUT" "[PASS] for-gcp" "  and gcp passes"
contains "$OUT" "[WARN] jwks-cache" "max-age=0 is a warning: STS cannot cache the JWKS"
contains "$OUT" "throttled" "  saying why it matters"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS/" --for azure
contains "$OUT" "a trailing slash differs" "an issuer given with a trailing slash fails, saying so"
stop_serve

# Issuer mismatch by letter case; an unreachable jwks_uri.
P=$(free_port); DEAD=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer https://OIDC.test/cluster --key "$KEYS/demo-rsa.pub" --jwks-uri "https://127.0.0.1:$DEAD/keys.json" --listen "127.0.0.1:$P" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS"
contains "$OUT" "only letter case differs" "an issuer differing in case fails, saying so"
contains "$OUT" "[FAIL] jwks" "an unreachable jwks_uri fails"
stop_serve

# Slow, non-JSON and missing discovery documents.
for mode in slow html 404; do
	P=$(free_port)
	/usr/bin/python3 "$HERE/bad_issuer_server.py" --listen "$P" --cert "$C/chain.pem" --key "$C/leaf.key" --mode $mode >"$T_TMP/bad.out" 2>&1 &
	BAD=$!
	wait_for grep -q listening "$T_TMP/bad.out"
	run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS"
	is "$RC" 1 "a $mode discovery endpoint fails"
	case $mode in
	slow) contains "$OUT" "about 5 s" "  on time, with the 5 s limit" ;;
	html) contains "$OUT" "not a JSON object" "  on the body" ;;
	404) contains "$OUT" "answered HTTP 404" "  on the status" ;;
	esac
	kill $BAD; wait $BAD 2>/dev/null
done
# A hostile JWKS (300 keys of 16384 bits): refused on its size, unchecked beyond the bound.
P=$(free_port)
/usr/bin/python3 "$HERE/bad_issuer_server.py" --listen "$P" --cert "$C/chain.pem" --key "$C/leaf.key" --mode hostile >"$T_TMP/bad.out" 2>&1 &
BAD=$!
wait_for grep -q listening "$T_TMP/bad.out"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS"
is "$RC" 1 "a JWKS of 300 keys fails"
contains "$OUT" "the JWKS has 300 keys; more than 64 are not checked" "on its size, with the bound"
kill $BAD; wait $BAD 2>/dev/null
# A kid that the report cuts inside a UTF-8 character, with a newline and a forged line in it:
# the JSON report keeps the failing check (it once vanished), the text report stays one line.
P=$(free_port)
/usr/bin/python3 "$HERE/bad_issuer_server.py" --listen "$P" --cert "$C/chain.pem" --key "$C/leaf.key" --mode utf8 >"$T_TMP/bad.out" 2>&1 &
BAD=$!
wait_for grep -q listening "$T_TMP/bad.out"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS" --json
is "$RC" 1 "a JWKS with a bad key whose kid is hostile fails (--json)"
is "$(printf %s "$OUT" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["ok"], [c["status"] for c in r["checks"] if c["check"] == "jwks-keys"])')" \
	"False ['fail']" "the JSON report parses and keeps the failing jwks-keys check"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS"
is "$(printf '%s\n' "$OUT" | grep -c '^\[PASS\] forged')" 0 "the text report cannot be given a forged line"
contains "$OUT" '\x0a[PASS] forged' "the newline is shown escaped"
kill $BAD; wait $BAD 2>/dev/null
# A JWKS published with a private key in it (python3-jwcrypto exports the demo key whole).
/usr/bin/python3 -c '
import json, sys
from jwcrypto import jwk
k = json.loads(jwk.JWK.from_pem(open(sys.argv[1], "rb").read()).export(private_key=True))
k["kid"] = "leaked"
print(json.dumps({"keys": [k]}))' "$KEYS/demo-ec256.key" >"$T_TMP/private-jwks.json"
P=$(free_port)
/usr/bin/python3 "$HERE/bad_issuer_server.py" --listen "$P" --cert "$C/chain.pem" --key "$C/leaf.key" --mode file --jwks "$T_TMP/private-jwks.json" >"$T_TMP/bad.out" 2>&1 &
BAD=$!
wait_for grep -q listening "$T_TMP/bad.out"
run "$SAOIDC" verify --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --issuer "$ISS"
is "$RC" 1 "a JWKS that holds a private key fails"
contains "$OUT" '[FAIL] jwks-private    the published JWKS holds PRIVATE key material (member "d" of key "leaked"): the signing key is compromised' "naming the member and the key"
contains "$OUT" "ROTATE NOW" "and saying to rotate now"
kill $BAD; wait $BAD 2>/dev/null

# IAM: no provider, then one.
P=$(free_port); IP=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
V="$SAOIDC verify --connect-to 127.0.0.1:$P --ca-file $C/root.pem"
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$IP" --key AKIDV:secretv --log "$T_TMP/iam.log" >"$T_TMP/iam.out" 2>&1 &
IAMPID=$!
trap 'kill $IAMPID $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/iam.out"
# --aws without any credentials: every other check runs, the IAM ones are reported skipped.
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	$V --issuer "$ISS" --aws --token "$T_TMP/good.jwt"
is "$RC" 3 "verify --aws without credentials exits 3: a check that was asked for did not run (not a green 0)"
contains "$OUT" "[SKIP] iam-provider    not checked:" "the IAM check is reported skipped"
contains "$OUT" "[PASS] token" "and the token was still verified"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	$V --issuer "$ISS" --aws --token "$T_TMP/good.jwt" --json
is "$RC $(printf %s "$OUT" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["ok"], r["complete"])')" "3 False False" \
	"the JSON report says so too: ok false, complete false"
run $V --issuer "$ISS" --token "$T_TMP/good.jwt"
is "$RC" 0 "without --aws nothing asked for is missing: exit 0"
export AWS_ACCESS_KEY_ID=AKIDV AWS_SECRET_ACCESS_KEY=secretv AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/"
run $V --issuer "$ISS" --aws --token "$T_TMP/good.jwt"
is "$RC" 1 "a missing IAM provider fails"
contains "$OUT" "No OpenIDConnect provider found" "naming STS's error"
contains "$OUT" "fix: saoidc register" "and the fix"
run "$SAOIDC" register --issuer "$ISS" --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem"
run $V --issuer "$ISS" --aws --token "$T_TMP/good.jwt"
is "$RC" 0 "after saoidc register, verify --aws passes"
contains "$OUT" "[PASS] iam-thumbprint" "including the pinned thumbprint"
stop_serve
done_testing
