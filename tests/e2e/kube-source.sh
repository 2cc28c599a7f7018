#!/bin/sh
# --key kube://NAMESPACE/SECRET and --from-apiserver against a local HTTPS endpoint that behaves
# like the API server for these paths (bearer token required, TLS with its own CA): the EKS
# Anywhere Secret, errors 401/403/404, the API server's own JWKS, and rotations while serve runs.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
eksa_api_data
printf 'someone-elses-token\n' >"$T_TMP/badtoken"
start_apiserver "$C" "$D" sa-token-for-saoidc --allow eksa-system/mgmt-sa --allow eksa-system/gone
trap 'kill $APID $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
K="--kube-api https://127.0.0.1:$AP --kube-token-file $T_TMP/token --kube-ca $C/root.pem"

run "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa $K
is "$RC" 0 "jwks from kube://eksa-system/mgmt-sa"
is "$OUT" "$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")" "the same JWKS as the Secret's public key"
run "$SAOIDC" inspect --key kube://eksa-system/mgmt-sa $K
contains "$OUT" "kube://eksa-system/mgmt-sa (secret eksa-system/demo-sa, tls.crt)" "inspect names the source"
refused "a wrong token is a clear 401" 1 "401 Unauthorized" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --kube-api "https://127.0.0.1:$AP" --kube-token-file "$T_TMP/badtoken" --kube-ca "$C/root.pem"
refused "a Secret the RBAC does not allow is a clear 403" 1 "may not read it" "$SAOIDC" jwks --key kube://kube-system/other $K
refused "a missing Secret is a clear 404" 1 "Secret eksa-system/gone does not exist" "$SAOIDC" jwks --key kube://eksa-system/gone $K
refused "an http:// --kube-api is refused: the token would travel in clear text" 1 "is not https://" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --kube-api "http://127.0.0.1:$AP" --kube-token-file "$T_TMP/token"
refused "a malformed kube:// URI is refused" 1 "is not kube://NAMESPACE/SECRET" "$SAOIDC" jwks --key kube://Bad_NS/x $K
refused "an unknown CA is refused" 1 "Kubernetes API" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --kube-api "https://127.0.0.1:$AP" --kube-token-file "$T_TMP/token"
refused "outside a cluster without --kube-api or a kubeconfig, the way is explained" 1 "give --kube-api URL" env -u KUBERNETES_SERVICE_HOST -u KUBECONFIG HOME="$T_TMP/nohome" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa
case "$ERR" in *sa-token-for-saoidc*) fail "the token is never printed" ;; *) pass "the token is never printed" ;; esac

# --from-apiserver: the API server's own documents, republished under the public issuer.
printf '{"issuer":"https://oidc.test/cluster","jwks_uri":"https://172.18.0.2:6443/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}' >"$D/openid-configuration.json"
"$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" >"$D/jwks.json"
run "$SAOIDC" render --from-apiserver --issuer https://oidc.test/cluster $K --out "$T_TMP/site"
is "$RC" 0 "render --from-apiserver"
is "$(cat "$T_TMP/site/keys.json")" "$(cat "$D/jwks.json")" "publishes the API server's JWKS"
contains "$(cat "$T_TMP/site/.well-known/openid-configuration")" '"jwks_uri":"https://oidc.test/cluster/keys.json"' "with the public jwks_uri, not the API server's"
# The API server's own bytes are kept (an ExternalJWTSigner's member order and kids included).
/usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); k=j['keys'][0]; j['keys'][0]={m: k[m] for m in ('kty','alg','kid','use','n','e')}; open(sys.argv[1],'w').write(json.dumps(j, separators=(',', ':')))" "$D/jwks.json"
run "$SAOIDC" render --from-apiserver --issuer https://oidc.test/cluster $K --out "$T_TMP/site2"
ok "the API server's JWKS is republished byte for byte" cmp -s "$T_TMP/site2/keys.json" "$D/jwks.json"
"$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" >"$D/jwks.json"
refused "a different API server issuer is refused, with the reason" 1 "STS refuses a token whose iss differs" "$SAOIDC" render --from-apiserver --issuer https://public.example.com/other $K --out "$T_TMP/never"
ok "and nothing is written" test ! -e "$T_TMP/never"
refused "--from-apiserver with --key is a usage error" 2 "give no --key" "$SAOIDC" render --from-apiserver --key "$KEYS/demo-rsa.pub" --issuer https://oidc.test/cluster --out "$T_TMP/never"
/usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); j['keys'][0]['d']='AAAA'; json.dump(j, open(sys.argv[1],'w'))" "$D/jwks.json"
refused "a JWKS with a private member is refused" 1 'private member "d"' "$SAOIDC" render --from-apiserver --issuer https://oidc.test/cluster $K --out "$T_TMP/never"
"$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" >"$D/jwks.json"
P=$(free_port)
start_serve "$P" --issuer https://oidc.test/cluster --from-apiserver $K --listen "127.0.0.1:$P" --kube-poll-interval 1 --watch-interval 200
is "$(curl -s "http://127.0.0.1:$P/keys.json")" "$(cat "$D/jwks.json")" "serve --from-apiserver serves the API server's keys"
is "$(curl -s -D - -o /dev/null "http://127.0.0.1:$P/keys.json" | tr -d '\r' | sed -n 's/^[Cc]ache-[Cc]ontrol: //p')" "public, max-age=3600" "with the configured Cache-Control when the API server gives none"
"$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec384.pub" >"$D/jwks.json.new" && mv "$D/jwks.json.new" "$D/jwks.json"
ok "keys rotated on the API server appear without action" wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q P-384"
contains "$(curl -s "http://127.0.0.1:$P/.well-known/openid-configuration")" '["ES384","RS256"]' "and the discovery document follows"
# An external signer's refresh hint (Cache-Control on the API server's JWKS) caps the JWKS's max-age.
echo 60 >"$D/jwks.max-age"
ok "the API server's max-age reaches the served JWKS" wait_for sh -c "curl -s -D - -o /dev/null 'http://127.0.0.1:$P/keys.json' | tr -d '\r' | grep -qi '^cache-control: public, max-age=60\$'"
is "$(curl -s -D - -o /dev/null "http://127.0.0.1:$P/.well-known/openid-configuration" | tr -d '\r' | sed -n 's/^[Cc]ache-[Cc]ontrol: //p')" "public, max-age=3600" "while the discovery document keeps the configured one"
rm "$D/jwks.max-age"
stop_serve

# Rotation while serve runs: the Secret gains a second key, then loses the first.
P=$(free_port)
start_serve "$P" --issuer "http://127.0.0.1:$P" --key kube://eksa-system/mgmt-sa $K --listen "127.0.0.1:$P" --kube-poll-interval 1 --watch-interval 200
is "$(curl -s "http://127.0.0.1:$P/keys.json")" "$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")" "serve starts with the Secret's key"
set_secret_key "$KEYS/demo-ec256.pub"
ok "a rotated Secret is picked up without a restart" wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q P-256"
mv "$D/eksa-system_mgmt-sa.json" "$D/away.json"
wait_for grep -q "reload failed, still serving the previous documents" "$T_TMP/serve.log"
is "$(curl -s "http://127.0.0.1:$P/keys.json" | grep -c P-256)" 1 "a Secret that disappears keeps the last documents served"
contains "$(cat "$T_TMP/serve.log")" "reload failed, still serving the previous documents" "and the failure is logged"
stop_serve

# --watch-interval 0 turns off the key-file check, not the API poll (it used to block forever).
mv "$D/away.json" "$D/eksa-system_mgmt-sa.json"
P=$(free_port)
start_serve "$P" --issuer "http://127.0.0.1:$P" --key kube://eksa-system/mgmt-sa $K --listen "127.0.0.1:$P" --kube-poll-interval 1 --watch-interval 0
ok "--watch-interval 0 says what it turns off" wait_for grep -qF "Secrets read through the API are still polled" "$T_TMP/serve.log"
cp "$D/eksa-system_mgmt-sa.json" "$D/ec.json"
set_secret_key "$KEYS/demo-rsa.pub"
ok "with --watch-interval 0 a rotated Secret is still picked up by the API poll" wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q '\"RSA\"'"
stop_serve

# Watched, not polled: with list and watch allowed on the Secret (by name), a rotation is served
# about a second after it, although the poll is an hour away.
kill $APID
wait $APID 2>/dev/null
start_apiserver "$C" "$D" sa-token-for-saoidc --allow eksa-system/mgmt-sa --watch-secrets
K="--kube-api https://127.0.0.1:$AP --kube-token-file $T_TMP/token --kube-ca $C/root.pem"
P=$(free_port)
start_serve "$P" --issuer "http://127.0.0.1:$P" --key kube://eksa-system/mgmt-sa $K --listen "127.0.0.1:$P" --kube-poll-interval 3600 --watch-interval 0
contains "$(cat "$T_TMP/serve.log")" "watching 1 Secret through the Kubernetes API" "serve watches the Secret"
wait_for grep -q '"watch": true' "$T_TMP/api.log"
t0=$(date +%s%N)
set_secret_key "$KEYS/demo-ec256.pub"
WAIT_S=5 wait_for sh -c "curl -s 'http://127.0.0.1:$P/keys.json' | grep -q P-256"
t1=$(date +%s%N)
contains "$(curl -s "http://127.0.0.1:$P/keys.json")" "P-256" "a rotated Secret is served through the watch, the poll being an hour away"
echo "# served $(((t1 - t0) / 1000000)) ms after the Secret changed (it was up to --kube-poll-interval, 30 s by default)"
contains "$(cat "$T_TMP/serve.log")" "a watched Secret changed: reloading keys" "and the log says why it reloaded"
M=$(curl -s "http://127.0.0.1:$P/metrics")
contains "$M" "saoidc_kube_watch_restarts_total 0" "/metrics: the watch has not restarted"
age=$(printf '%s\n' "$M" | sed -n 's/^saoidc_kube_watch_last_event_age_seconds //p')
ok "/metrics: the age of the watch's last event (${age:-none} s)" awk -v a="${age:--1}" 'BEGIN { exit !(a >= 0 && a < 60) }'
kill $APID
wait $APID 2>/dev/null
ok "a broken watch stream shows in /metrics as a restart" \
	wait_for sh -c "curl -s 'http://127.0.0.1:$P/metrics' | grep -q '^saoidc_kube_watch_restarts_total [1-9]'"
stop_serve
done_testing
