#!/bin/sh
# Secrets never leak: every command runs with private keys, AWS secrets, session tokens, a web
# identity token and a container authorization token in play, including failing runs; none of
# them may appear in stdout, stderr, server logs, served bodies or written files.
. "$SRCDIR/tests/lib.sh"
S="$T_TMP/seen"
mkdir -p "$S"
DEAD=$(free_port)
export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDSECRETSTEST AWS_SECRET_ACCESS_KEY=SECRETKEY-do-not-leak-7f3a AWS_SESSION_TOKEN=SESSIONTOKEN-do-not-leak-91bc
export AWS_ENDPOINT_URL="http://127.0.0.1:$DEAD"
printf 'WEBIDTOKEN-do-not-leak-c0de\n' >"$T_TMP/webid"
n=0
cap() { n=$((n + 1)); "$@" >"$S/$n.out" 2>"$S/$n.err"; }

cap "$SAOIDC" render --issuer https://oidc.example.com --key "$KEYS/demo-rsa.key" --key "$KEYS/demo-ec521.key" --key "$KEYS/demo-eksa-sa-secret.json" --out "$S/site"
cap "$SAOIDC" jwks --pretty --key "$KEYS"
cap "$SAOIDC" discovery --issuer https://oidc.example.com --key "$KEYS/demo-ec384.key"
cap "$SAOIDC" inspect --json --key "$KEYS"
cap sh -c "cat '$KEYS/demo-eksa-sa-secret.json' | '$SAOIDC' jwks --key -"
cap "$SAOIDC" publish --dry-run --key "$KEYS/demo-rsa.key" s3://bucket/x
cap "$SAOIDC" publish --key "$KEYS/demo-rsa.key" s3://bucket/x
cap env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN AWS_ROLE_ARN=arn:aws:iam::1:role/r AWS_WEB_IDENTITY_TOKEN_FILE="$T_TMP/webid" "$SAOIDC" publish --key "$KEYS/demo-rsa.key" s3://bucket/x
cap env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$DEAD/c" AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINERAUTH-do-not-leak-5e11 "$SAOIDC" publish --key "$KEYS/demo-rsa.key" s3://bucket/x
cap "$SAOIDC" register --issuer https://oidc.example.com/x --thumbprint none
cap "$SAOIDC" register --issuer https://oidc.example.com/x --thumbprint none --dry-run
cap "$SAOIDC" verify --issuer "https://127.0.0.1:$DEAD" --key "$KEYS/demo-rsa.key" --aws
cap "$SAOIDC" thumbprint "https://127.0.0.1:$DEAD/"
cap "$SAOIDC" s3-policy s3://bucket/x
cap "$SAOIDC" token decode "$KEYS/demo-rsa.key"
mkdir -p "$HOME/.aws" && printf '[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = PROFILESECRET-do-not-leak-aa01\naws_session_token = PROFILETOKEN-do-not-leak-bb02\n' >"$HOME/.aws/credentials"
cap env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "$SAOIDC" publish --key "$KEYS/demo-rsa.key" s3://bucket/x

# serve, with private keys as --key and a TLS key: every endpoint, and the log.
make_chain "$T_TMP/pki" localhost
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "https://127.0.0.1:$P" --key "$KEYS/demo-rsa.key" --key "$KEYS/demo-eksa-sa-secret.json" --listen "127.0.0.1:$P" --tls-cert "$T_TMP/pki/chain.pem" --tls-key "$T_TMP/pki/leaf.key" --log-format json
for path in /.well-known/openid-configuration /keys.json /openid/v1/jwks /metrics /healthz /readyz /nope; do
	n=$((n + 1))
	curl -sk -D - "https://127.0.0.1:$P$path" >"$S/$n.out" 2>&1
done
kill -HUP "$SERVE_PID"
wait_for grep -q "SIGHUP: reloading keys" "$T_TMP/serve.log"
stop_serve
cp "$T_TMP/serve.log" "$S/serve.log"

is "$n" 23 "23 runs and requests captured"
ok "some output was captured at all" test "$(cat "$S"/* "$S"/site/keys.json | wc -c)" -gt 5000
for secret in SECRETKEY-do-not-leak-7f3a SESSIONTOKEN-do-not-leak-91bc WEBIDTOKEN-do-not-leak-c0de \
	CONTAINERAUTH-do-not-leak-5e11 PROFILESECRET-do-not-leak-aa01 PROFILETOKEN-do-not-leak-bb02; do
	if grep -rqF -- "$secret" "$S"; then fail "$secret never appears" "$(grep -rlF -- "$secret" "$S")"; else pass "$secret never appears"; fi
done
leaks=""
for f in "$KEYS"/*.key "$T_TMP/pki/leaf.key"; do
	# every base64 line of every private key, and the key of the EKS Anywhere Secret
	for line in $(grep -v -- '-----' "$f"); do
		[ ${#line} -ge 16 ] && grep -rqF -- "$line" "$S" && leaks="$leaks $f"
	done
done
tlskey=$(sed -n 's/.*"tls.key": "\(.\{40\}\).*/\1/p' "$KEYS/demo-eksa-sa-secret.json")
grep -rqF -- "$tlskey" "$S" && leaks="$leaks demo-eksa-sa-secret.json:tls.key"
is "$leaks" "" "no line of any private key appears anywhere"
if grep -rq 'PRIVATE KEY' "$S"; then fail "no PRIVATE KEY block appears" "$(grep -rl 'PRIVATE KEY' "$S")"; else pass "no PRIVATE KEY block appears"; fi
for m in '"d"' '"p"' '"q"' '"dp"' '"dq"' '"qi"'; do
	if grep -rqF -- "$m:" "$S"; then fail "no JWK member $m is served or printed"; else pass "no JWK member $m is served or printed"; fi
done
done_testing
