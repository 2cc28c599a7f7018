#!/bin/sh
# saoidc status: the chain link by link against real peers: the documents published to s3rver
# (behind the SigV4-checking proxy), the public URL served over TLS by a saoidc serve that plays
# a CDN (it can lag behind the bucket), the IAM stand-in's provider changed with botocore. Each
# drift is named with its fix, and status only reads.
. "$SRCDIR/tests/lib.sh"
start_s3rver saoidc-status
PP=$(free_port)
start_proxy "$PP" s3
aws_test_env us-east-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"
start_iam iam --key S3RVER:S3RVER
trap 'kill $S3PID $PROXY_PID $IAM_PID $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
export AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IAM_PORT"
ISS=https://oidc.test/c
C="$T_TMP/pki"
make_chain "$C" oidc.test
RSA="$KEYS/demo-rsa.pub" EC="$KEYS/demo-ec256.pub"
KR=$(kid_of "$RSA") KE=$(kid_of "$EC")

ok "publish the documents to the bucket" "$SAOIDC" publish --issuer "$ISS" --key "$RSA" s3://saoidc-status/c
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$RSA" --listen "127.0.0.1:$P" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
ok "register the issuer (its chain's thumbprint pinned)" "$SAOIDC" register --issuer "$ISS" --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem"
S="$SAOIDC status --issuer $ISS --connect-to 127.0.0.1:$P --ca-file $C/root.pem --bucket s3://saoidc-status/c --aws"
# st ARGS: st ARGS, counting what it sent S3 other than GETs (publish's PUTs in between are not its).
WRITES=0
nonget() { grep -v '"method": "GET"' "$T_TMP/s3.log" | grep -c '"method"'; }
st() {
	before=$(nonget)
	run $S "$@"
	WRITES=$((WRITES + $(nonget) - before))
}

: >"$T_TMP/iam.log"
: >"$T_TMP/s3.log"
st --key "$RSA"
is "$RC" 0 "every link agrees: exit 0"
for l in keys origin discovery public iam; do
	contains "$OUT" "$(printf '%-10s %-6s' "$l" ok)" "  $l: ok"
done
contains "$OUT" "kids $KR" "  the kids are shown"
contains "$OUT" "Cache-Control public, max-age=3600" "  the public JWKS's Cache-Control"

# A rotation published to the bucket that the public URL (the CDN) does not serve yet.
ok "publish a second key" "$SAOIDC" publish --issuer "$ISS" --key "$RSA" --key "$EC" s3://saoidc-status/c
st --key "$RSA" --key "$EC"
is "$RC" 1 "the public URL lags behind the bucket: exit 1"
contains "$OUT" "$(printf '%-10s %-6s' public drift)" "  public: drift"
contains "$OUT" "lacks the bucket's $KE" "  naming the key it lacks"
contains "$OUT" "fix: a cache in front" "  and the fix (wait or invalidate)"
contains "$OUT" "$(printf '%-10s %-6s' origin ok)" "  while the bucket has both keys"

# A signing key the bucket does not have.
st --key "$RSA" --key "$KEYS/demo-ec384.pub"
contains "$OUT" "$(printf '%-10s %-6s' origin drift)" "a signing key missing from the bucket: origin drift"
contains "$OUT" "the store's JWKS lacks signing key $(kid_of "$KEYS/demo-ec384.pub")" "  naming it"

# The key retired from the source stays in the bucket by retention, and status counts it.
ok "publish without the first key" "$SAOIDC" publish --issuer "$ISS" --key "$EC" s3://saoidc-status/c
st --key "$EC" --json
printf '%s' "$OUT" >"$T_TMP/st.json"
is "$(/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
o = [l for l in r["links"] if l["link"] == "origin"][0]
print(o["verdict"], sorted(o["kids"]) == sorted(sys.argv[2:]), "1 key kept by retention" in o["seen"], sorted(o))' \
	"$T_TMP/st.json" "$KR" "$KE")" "ok True True ['fix', 'kids', 'link', 'seen', 'source', 'verdict']" \
	"--json: the origin link keeps the retired key (retention), with its fields as documented"
# The issuer becomes shared (publish --cluster): the origin link names the clusters.
ok "publish the key as cluster east's" "$SAOIDC" publish --issuer "$ISS" --key "$EC" --cluster east s3://saoidc-status/c
st --key "$EC"
contains "$OUT" "shared by clusters (no --cluster): 1 key (1 retained), east: 1 key (0 retained)" "a shared issuer: the origin link shows the keys per cluster"

# IAM drifts: the audience removed, then a thumbprint of another chain pinned (with botocore).
stop_serve
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$RSA" --key "$EC" --listen "127.0.0.1:$P" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key"
S="$SAOIDC status --issuer $ISS --connect-to 127.0.0.1:$P --ca-file $C/root.pem --aws"
iam() {
	/usr/bin/python3 - "$1" <<'PY'
import os, sys, botocore.session
iam = botocore.session.get_session().create_client("iam", region_name="us-east-1",
                                                   endpoint_url=os.environ["AWS_ENDPOINT_URL_IAM"])
arn = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"][0]["Arn"]
if sys.argv[1] == "drop-audience":
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
else:
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["0" * 40])
PY
}
st --key "$RSA" --key "$EC"
is "$RC" 0 "the public URL caught up: exit 0"
iam drop-audience
st --key "$RSA" --key "$EC"
is "$RC" 1 "the provider without sts.amazonaws.com: exit 1"
contains "$OUT" "lack sts.amazonaws.com" "  iam: drift, saying what is missing"
contains "$OUT" "fix: saoidc register --issuer $ISS --client-id sts.amazonaws.com" "  with the command that adds it"
iam stale-thumbprint
st --key "$RSA" --key "$EC"
contains "$OUT" "none of its 1 pinned thumbprint matches the chain served now" "a pinned thumbprint of another chain: drift"
contains "$OUT" "fix: saoidc register --issuer $ISS" "  fixed by register"
refused "--bucket takes an s3:// URI" 2 "--bucket takes s3://BUCKET[/PREFIX]" $S --bucket saoidc-status/c

# Read-only: only GETs reached the bucket, only List/Get calls IAM.
is "$WRITES" 0 "status sent S3 nothing but GETs"
is "$(/usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["action"] for l in open(sys.argv[1])} - {"AddClientIDToOpenIDConnectProvider",
      "RemoveClientIDFromOpenIDConnectProvider", "UpdateOpenIDConnectProviderThumbprint"})))' "$T_TMP/iam.log")" \
	"GetOpenIDConnectProvider ListOpenIDConnectProviders" "status called IAM's List and Get only (the changes are botocore's)"
stop_serve
done_testing
