#!/bin/sh
# serve --issuers FILE: one process, one set of listeners, three issuers told apart by Host and
# path, over HTTP and HTTPS: each issuer's documents byte for byte what render writes for it,
# 404 for an unknown host or path, ETags and 304 per issuer, per-issuer metrics; a changed file
# applied on SIGHUP, a changed key file on its own, a broken file keeping every issuer as it was;
# a kube:// source for one issuer; and the file's refusals at start.
. "$SRCDIR/tests/lib.sh"
A="$KEYS/demo-rsa.pub" B="$KEYS/demo-ec256.pub" C="$KEYS/demo-ec384.pub" B2="$KEYS/demo-ec521.pub"
cp "$A" "$T_TMP/a.pub"
write_file() {
	cat >"$T_TMP/issuers.yaml.new" <<EOF
# three issuers, one process
issuers:
- issuer: https://a.test/cluster-a
  keys: [$T_TMP/a.pub]
- issuer: https://a.test/cluster-b
  keys: [$1]
  discovery_style: eks
- issuer: https://$2
  keys: [$C]
  jwks_path: /jwks
EOF
	mv "$T_TMP/issuers.yaml.new" "$T_TMP/issuers.yaml"
}
write_file "$B" c.test
P=$(free_port)
start_serve "$P" --issuers "$T_TMP/issuers.yaml" --listen "127.0.0.1:$P" --watch-interval 200
get() { curl -s -H "Host: $1" "http://127.0.0.1:$P$2"; }
code() { curl -s -o /dev/null -w '%{http_code}' -H "Host: $1" "http://127.0.0.1:$P$2"; }
kids() { get "$1" "$2" | /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(sys.stdin)['keys']))"; }

# Each issuer's documents are render's for it, byte for byte.
"$SAOIDC" render --issuer https://a.test/cluster-a --key "$A" --out "$T_TMP/ra" 2>/dev/null
"$SAOIDC" render --issuer https://a.test/cluster-b --key "$B" --discovery-style eks --out "$T_TMP/rb" 2>/dev/null
"$SAOIDC" render --issuer https://c.test --key "$C" --jwks-path /jwks --out "$T_TMP/rc" 2>/dev/null
is "$(get a.test /cluster-a/keys.json)" "$(cat "$T_TMP/ra/keys.json")" "a.test/cluster-a: its JWKS, as render writes it"
is "$(get a.test /cluster-a/.well-known/openid-configuration)" "$(cat "$T_TMP/ra/.well-known/openid-configuration")" "  and its discovery document"
is "$(get a.test /cluster-b/keys.json)" "$(cat "$T_TMP/rb/keys.json")" "a.test/cluster-b (same host, another path): its own JWKS"
is "$(get a.test /cluster-b/.well-known/openid-configuration)" "$(cat "$T_TMP/rb/.well-known/openid-configuration")" "  and its EKS-style discovery document"
is "$(get c.test /jwks)" "$(cat "$T_TMP/rc/jwks")" "c.test (at the root, --jwks-path /jwks): its JWKS"
is "$(get c.test /.well-known/openid-configuration)" "$(cat "$T_TMP/rc/.well-known/openid-configuration")" "  and its discovery document"
is "$(get A.TEST:443 /cluster-a/openid/v1/jwks)" "$(cat "$T_TMP/ra/keys.json")" "the Host is matched without case or port; /openid/v1/jwks too"

# What no issuer names is 404.
is "$(code b.test /cluster-a/keys.json)" 404 "an unknown host: 404"
is "$(code a.test /keys.json)" 404 "a known host, a path no issuer has: 404"
is "$(code c.test /cluster-a/keys.json)" 404 "one issuer's path on another's host: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/cluster-a/keys.json")" 404 "no Host an issuer has (127.0.0.1): 404"
is "$(code a.test /healthz) $(code a.test /readyz)" "200 200" "/healthz and /readyz answer"

# ETags per issuer.
etag() { curl -s -D - -o /dev/null -H "Host: $1" "http://127.0.0.1:$P$2" | awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r'; }
EA=$(etag a.test /cluster-a/keys.json)
EB=$(etag a.test /cluster-b/keys.json)
ok "each issuer's JWKS has its own ETag ($EA, $EB)" test -n "$EA" -a "$EA" != "$EB"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: a.test' -H "If-None-Match: $EA" "http://127.0.0.1:$P/cluster-a/keys.json")" 304 "If-None-Match with a's ETag on a: 304"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: a.test' -H "If-None-Match: $EA" "http://127.0.0.1:$P/cluster-b/keys.json")" 200 "  the same ETag on b: 200"

# Metrics by issuer.
M=$(curl -s "http://127.0.0.1:$P/metrics")
contains "$M" 'saoidc_issuer_keys{issuer="https://a.test/cluster-b"} 1' "/metrics: keys per issuer"
n=$(printf '%s\n' "$M" | awk '$1 == "saoidc_issuer_requests_total{issuer=\"https://a.test/cluster-a\",document=\"jwks\"}" { print $2 }')
ok "/metrics: JWKS requests per issuer (a: ${n:-missing})" test "${n:-0}" -ge 3

# A key file changes: that issuer follows, the others stay as they were.
cp "$B2" "$T_TMP/a.pub"
ok "a's key file changes: a serves the new key" wait_for sh -c "curl -s -H 'Host: a.test' http://127.0.0.1:$P/cluster-a/keys.json | grep -qF -- '$(kid_of "$B2")'"
is "$(get a.test /cluster-b/keys.json)" "$(cat "$T_TMP/rb/keys.json")" "  b is as it was"

# The file changes (b's key, c.test becomes d.test) and SIGHUP: applied as one.
write_file "$B2" d.test
kill -HUP "$SERVE_PID"
ok "SIGHUP: the new d.test is served" wait_for sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: d.test' http://127.0.0.1:$P/jwks)\" = 200"
is "$(code c.test /jwks)" 404 "  c.test, gone from the file, is 404"
is "$(kids a.test /cluster-b/keys.json)" "$(kid_of "$B2")" "  b serves its new key"

# A broken file keeps every issuer as it was, and the log says why.
cp "$T_TMP/issuers.yaml" "$T_TMP/good.yaml"
printf 'issuers:\n- issuer: https://a.test/cluster-a\n  key: [%s]\n' "$A" >"$T_TMP/issuers.yaml"
kill -HUP "$SERVE_PID"
ok "a broken file (key: for keys:): the log names the entry and the member" wait_for grep -q 'issuer 1: unknown member "key"' "$T_TMP/serve.log"
is "$(code d.test /jwks) $(kids a.test /cluster-b/keys.json)" "200 $(kid_of "$B2")" "  and every issuer is served as it was"
printf 'issuers:\n- issuer: https://a.test/cluster-a\n  keys: [%s/missing.pub]\n' "$T_TMP" >"$T_TMP/issuers.yaml"
kill -HUP "$SERVE_PID"
ok "a key file that is missing: the log names the issuer" wait_for grep -q 'issuer 1 (https://a.test/cluster-a)' "$T_TMP/serve.log"
is "$(code d.test /jwks)" 200 "  and d.test is still served"
stop_serve
is "$SERVE_RC" 0 "stops cleanly"

# HTTPS: the same file behind one certificate for both hosts.
cp "$T_TMP/good.yaml" "$T_TMP/issuers.yaml"
cp "$A" "$T_TMP/a.pub"
make_chain "$T_TMP/pki" a.test d.test
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuers "$T_TMP/issuers.yaml" --listen "127.0.0.1:$P" \
	--tls-cert "$T_TMP/pki/chain.pem" --tls-key "$T_TMP/pki/leaf.key"
tget() { curl -s --cacert "$T_TMP/pki/root.pem" --resolve "$1:$P:127.0.0.1" "https://$1:$P$2"; }
is "$(tget a.test /cluster-a/.well-known/openid-configuration)" "$(cat "$T_TMP/ra/.well-known/openid-configuration")" "HTTPS: a.test/cluster-a's discovery document"
contains "$(tget d.test /.well-known/openid-configuration)" '"issuer":"https://d.test"' "HTTPS: d.test's"
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T_TMP/pki/root.pem" --resolve "a.test:$P:127.0.0.1" "https://a.test:$P/jwks")" 404 "HTTPS: d.test's path on a.test is 404"
stop_serve

# kube:// for one issuer, through the API stand-in.
D="$T_TMP/api"
mkdir -p "$D"
cp "$KEYS/demo-eksa-sa-secret.json" "$D/eksa-system_mgmt-sa.json"
printf 'sa-token-for-saoidc\n' >"$T_TMP/token"
make_chain "$T_TMP/apipki" localhost
start_apiserver "$T_TMP/apipki" "$D" sa-token-for-saoidc --allow eksa-system/mgmt-sa
trap 'kill $APID $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
printf '[{"issuer": "https://k.test", "keys": ["kube://eksa-system/mgmt-sa"]}, {"issuer": "https://f.test", "keys": ["%s"]}]\n' "$C" >"$T_TMP/k.json"
P=$(free_port)
start_serve "$P" --issuers "$T_TMP/k.json" --listen "127.0.0.1:$P" --kube-api "https://127.0.0.1:$AP" \
	--kube-token-file "$T_TMP/token" --kube-ca "$T_TMP/apipki/root.pem"
is "$(kids k.test /keys.json)" "$(kid_of "$A")" "a kube:// Secret as one issuer's keys (JSON file)"
is "$(kids f.test /keys.json)" "$(kid_of "$C")" "  beside a file's"
stop_serve
kill $APID 2>/dev/null

# Refused at start, before anything listens.
printf 'issuers:\n- issuer: https://a.test/x\n  keys: [%s]\n- issuer: https://A.test/x\n  keys: [%s]\n' "$A" "$B" >"$T_TMP/dup.yaml"
refused "two entries for one issuer are refused" 1 "issuers 1 and 2 are both https://A.test/x" "$SAOIDC" serve --issuers "$T_TMP/dup.yaml"
printf 'issuers: []\n' >"$T_TMP/empty.yaml"
refused "an empty list is refused" 1 "expected a list of issuers" "$SAOIDC" serve --issuers "$T_TMP/empty.yaml"
printf '[{"issuer": "https://a.test/", "keys": ["%s"]}]\n' "$A" >"$T_TMP/slash.json"
refused "an issuer serve would refuse is refused in the file, named" 1 "issuer 1:" "$SAOIDC" serve --issuers "$T_TMP/slash.json"
refused "--issuers with --issuer is a usage error" 2 "give no --issuer" "$SAOIDC" serve --issuers "$T_TMP/good.yaml" --issuer https://x.test
refused "a missing file is named" 1 "--issuers $T_TMP/nope.yaml" "$SAOIDC" serve --issuers "$T_TMP/nope.yaml"
done_testing
