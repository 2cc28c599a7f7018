#!/bin/sh
# kube-apiserver's own test cases (TestNewOpenIDMetadata, the keyid tests, the HTTP tests of
# pkg/serviceaccount), from ../shared/peer-data/k8s-reference when it is there: the discovery
# document and JWKS byte for byte, the refused issuers and jwks URIs, the kids, and what serve
# answers (status, Content-Type, Cache-Control). Optional: skipped where the data is absent.
. "$SRCDIR/tests/lib.sh"
R="$SRCDIR/../shared/peer-data/k8s-reference"
[ -f "$R/cases.tsv" ] || skip_all "../shared/peer-data/k8s-reference is not here"
grep -v '^#' "$R/cases.tsv" | while IFS="$(printf '\t')" read -r name issuer jwks keys config keyset; do
	set --
	for k in $(printf %s "$keys" | tr ',' ' '); do set -- "$@" --key "$R/keys/$k"; done
	if [ "$config" = - ]; then
		run "$SAOIDC" discovery --issuer "$issuer" --jwks-uri "$jwks" "$@"
		[ "$RC" -ne 0 ] && [ -z "$OUT" ] && echo "PASS $name: refused ($ERR)" || echo "FAIL $name: accepted: $OUT"
		continue
	fi
	run "$SAOIDC" discovery --issuer "$issuer" --jwks-uri "$jwks" "$@"
	[ "$OUT" = "$(cat "$R/expected/$config")" ] && echo "PASS $name: discovery byte for byte" || echo "FAIL $name: discovery: $OUT $ERR"
	run "$SAOIDC" jwks "$@"
	[ "$OUT" = "$(cat "$R/expected/$keyset")" ] && echo "PASS $name: JWKS byte for byte" || echo "FAIL $name: JWKS: $OUT $ERR"
done >"$T_TMP/cases.out"
while read -r verdict msg; do if [ "$verdict" = PASS ]; then pass "$msg"; else fail "$msg"; fi; done <"$T_TMP/cases.out"
is "$(grep -c . "$T_TMP/cases.out")" "$(awk -F '\t' '!/^#/ && NF >= 6 {n += ($5 == "-") ? 1 : 2} END {print n}' "$R/cases.tsv")" "every case ran (a refusal, or both documents)"
while IFS="$(printf '\t')" read -r key kid; do
	run "$SAOIDC" jwks --key "$R/keys/$key"
	contains "$OUT" "\"kid\":\"$kid\"" "the kid of $key is kube-apiserver's ($kid)"
done <"$R/kids.tsv"

# The HTTP cases: what serve answers where kube-apiserver does.
P=$(free_port)
start_serve "$P" --issuer "http://127.0.0.1:$P" --key "$R/keys/rsa-public.pem" --key "$R/keys/ecdsa-public.pem" --listen "127.0.0.1:$P" --jwks-path /openid/v1/jwks
hdr() { curl -s -D - -o /dev/null "http://127.0.0.1:$P$1" | tr -d '\r' | awk -v h="$2" 'tolower($0) ~ "^" tolower(h) ":" {sub(/^[^:]*: */, ""); print}'; }
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/.well-known/openid-configuration")" 200 "serve: the discovery document answers 200"
is "$(hdr /.well-known/openid-configuration Content-Type)" "application/json" "with Content-Type application/json"
is "$(hdr /.well-known/openid-configuration Cache-Control)" "public, max-age=3600" "and Cache-Control public, max-age=3600"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/openid/v1/jwks")" 200 "serve: the JWKS answers 200 at /openid/v1/jwks"
is "$(hdr /openid/v1/jwks Content-Type)" "application/jwk-set+json" "with Content-Type application/jwk-set+json"
is "$(hdr /openid/v1/jwks Cache-Control)" "public, max-age=3600" "and Cache-Control public, max-age=3600"
is "$(curl -s "http://127.0.0.1:$P/openid/v1/jwks")" "$(cat "$R/expected/keyset.json")" "serve's JWKS is kube-apiserver's, byte for byte"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/openid/v1/jwks/")" 404 "a trailing slash is not the JWKS (TestURLBoundaries)"
stop_serve
done_testing
