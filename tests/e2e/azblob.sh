#!/bin/sh
# publish azblob://: against Azurite (Microsoft's storage emulator, which checks every Shared Key
# signature and bearer token), read back with Microsoft's @azure/storage-blob; SAS and Microsoft
# Entra ID (workload identity and client secret, through a token-endpoint stand-in) over HTTPS;
# the public-read check, $web, a wrong key, a race on the retention state, and a publisher killed
# between its two writes.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
[ -x "$HERE/node_modules/.bin/azurite-blob" ] || skip_all "node modules missing: run 'npm ci' in tests/interop (dev.sh test does)"
/usr/bin/python3 -c 'import jwt, jwcrypto' 2>/dev/null || skip_all "python3-jwt and python3-jwcrypto are not installed"
KEYS="$SRCDIR/keys"
A="$KEYS/demo-rsa.key"
B="$KEYS/demo-ec256.key"
ACCT=devstoreaccount1
DEVKEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
PIDS=""
trap 'kill $PIDS 2>/dev/null; wait; rm -rf "$T_TMP"' EXIT
# Only the loopback servers: no real Azure credentials or cloud from the caller.
unset AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_ACCOUNT AZURE_STORAGE_KEY AZURE_STORAGE_SAS_TOKEN \
	AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST

# azurite NAME PORT ARGS...: Azurite's Blob service on PORT, data in $T_TMP/NAME.
azurite() {
	name=$1 port=$2
	shift 2
	"$HERE/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$port" --location "$T_TMP/$name" \
		--skipApiVersionCheck --loose "$@" >"$T_TMP/$name.out" 2>&1 &
	PIDS="$PIDS $!"
	WAIT_S=30 wait_for grep -q "successfully listens" "$T_TMP/$name.out" || {
		fail "Azurite $name came up" "$(cat "$T_TMP/$name.out")"
		done_testing
		exit 1
	}
}
AP=$(free_port)
azurite az "$AP"
CS="DefaultEndpointsProtocol=http;AccountName=$ACCT;AccountKey=$DEVKEY;BlobEndpoint=http://127.0.0.1:$AP/$ACCT;"
export AZURE_STORAGE_CONNECTION_STRING="$CS"
azb() { (cd "$HERE" && node azblob.mjs "$@"); }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1'))"; }
kids() { /usr/bin/python3 -c "import json,sys; print(' '.join(sorted(k['kid'] for k in json.loads(json.load(sys.stdin)['body'])['keys'])))"; }
kid_of() { "$SAOIDC" jwks --key "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['keys'][0]['kid'])"; }
KA=$(kid_of "$A")
KB=$(kid_of "$B")
azb create pub blob
azb create priv
azb create '$web'

# First run: the documents where STS looks, read back with Microsoft's client.
run "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cl1
is "$RC" 0 "first publish to a public container exits 0"
is "$OUT" "https://$ACCT.blob.core.windows.net/pub/cl1" "the issuer is the container's URL on the Blob service"
J=$(azb read pub cl1/keys.json)
is "$(printf %s "$J" | field body)" "$("$SAOIDC" jwks --key "$A")" "@azure/storage-blob reads the JWKS saoidc renders, byte for byte"
is "$(printf %s "$J" | field contentType)" "application/jwk-set+json" "the JWKS blob's Content-Type (x-ms-blob-content-type)"
is "$(printf %s "$J" | field cacheControl)" "public, max-age=3600" "and its Cache-Control (x-ms-blob-cache-control)"
D=$(azb read pub cl1/.well-known/openid-configuration)
is "$(printf %s "$D" | field contentType)" "application/json" "the discovery document's Content-Type"
is "$(printf %s "$D" | field body | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jwks_uri"])')" \
	"https://$ACCT.blob.core.windows.net/pub/cl1/keys.json" "its jwks_uri is under the issuer"
is "$(azb anon "http://127.0.0.1:$AP/$ACCT/pub/cl1/keys.json" | field status)" 200 "anyone may read the JWKS, as STS will (no credentials)"
S=$(azb read pub cl1/.saoidc/retention.json | field body)
contains "$S" "$KA" "the retention state is next to the documents and holds the key"

# Debian's azure-cli reads the same blob through the connection string's endpoint.
if command -v az >/dev/null 2>&1; then
	P=$(AZURE_CONFIG_DIR="$T_TMP/azcli" AZURE_CORE_COLLECT_TELEMETRY=false az storage blob show --connection-string "$CS" \
		-c pub -n cl1/keys.json --query '[properties.contentSettings.contentType, properties.contentSettings.cacheControl]' \
		-o tsv 2>"$T_TMP/azcli.err" | tr '\n' '|')
	is "$P" "application/jwk-set+json|public, max-age=3600|" "az storage blob show (azure-cli) sees the same content type and cache control"
else
	skip "az storage blob show (azure-cli) sees the same content type and cache control" "azure-cli is not installed"
fi
# The same key through AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY (a connection string giving only the endpoint).
run env AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=http://127.0.0.1:$AP/$ACCT" AZURE_STORAGE_ACCOUNT=$ACCT AZURE_STORAGE_KEY="$DEVKEY" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cl1
is "$RC" 0 "AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY publish (Shared Key)"
contains "$ERR" "credentials from AZURE_STORAGE_KEY" "  saying so"

# A second run writes nothing: every blob keeps its ETag.
E1="$(azb read pub cl1/keys.json | field etag) $(azb read pub cl1/.well-known/openid-configuration | field etag) $(azb read pub cl1/.saoidc/retention.json | field etag)"
run "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cl1
E2="$(azb read pub cl1/keys.json | field etag) $(azb read pub cl1/.well-known/openid-configuration | field etag) $(azb read pub cl1/.saoidc/retention.json | field etag)"
is "$RC $E2" "0 $E1" "a re-run with the same key writes nothing (all three ETags unchanged)"
contains "$ERR" "keys.json: unchanged" "and says the documents are unchanged"

# A key change: the new key is published, the old one retained.
run "$SAOIDC" publish --key "$B" azblob://$ACCT/pub/cl1
is "$RC" 0 "publishing a new key exits 0"
is "$(azb read pub cl1/keys.json | kids)" "$(printf '%s\n%s\n' "$KA" "$KB" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"the JWKS holds the new key and the retained old one"
contains "$ERR" "key $KA (gone from the source since" "the log says the old key is retained"

# status reads the origin through the Blob API: both keys there; a key not published is drift.
SJ=$("$SAOIDC" status --issuer "https://$ACCT.blob.core.windows.net/pub/cl1" --key "$A" --key "$B" \
	--bucket azblob://$ACCT/pub/cl1 --connect-to 127.0.0.1:1 --json 2>/dev/null)
origin() { /usr/bin/python3 -c 'import json,sys; l=[x for x in json.load(sys.stdin)["links"] if x["link"]=="origin"][0]; print(l["verdict"], l["source"], len(l["kids"]))'; }
is "$(printf %s "$SJ" | origin)" "ok azblob://$ACCT/pub/cl1/keys.json 2" "status --bucket azblob://: the origin link reads both keys"
SJ=$("$SAOIDC" status --issuer "https://$ACCT.blob.core.windows.net/pub/cl1" --key "$KEYS/demo-ec384.key" \
	--bucket azblob://$ACCT/pub/cl1 --connect-to 127.0.0.1:1 --json 2>/dev/null)
is "$(printf %s "$SJ" | origin)" "drift azblob://$ACCT/pub/cl1/keys.json 2" "  and a signing key it lacks is drift"

# The dry run prints the Blob requests and writes nothing.
E1=$(azb read pub cl1/keys.json | field etag)
run "$SAOIDC" publish --key "$A" --dry-run azblob://$ACCT/pub/cl2
contains "$OUT" "PUT http://127.0.0.1:$AP/$ACCT/pub/cl2/keys.json" "--dry-run prints the Put Blob it would make"
contains "$OUT" "x-ms-blob-content-type: application/jwk-set+json" "with the blob's content type"
is "$(azb list pub | grep -c '^cl2/')" 0 "and writes nothing"

# Sovereign clouds by their endpoint suffix; a dry run without credentials still shows the requests.
run env -u AZURE_STORAGE_CONNECTION_STRING "$SAOIDC" publish --key "$A" --dry-run --endpoint-suffix core.chinacloudapi.cn azblob://acct21v/pub/x
is "$RC" 0 "a dry run without credentials exits 0"
contains "$OUT" "PUT https://acct21v.blob.core.chinacloudapi.cn/pub/x/keys.json" "--endpoint-suffix picks the cloud's Blob host"
contains "$OUT" "https://acct21v.blob.core.chinacloudapi.cn/pub/x" "and the issuer on it"
contains "$ERR" "is not read (no credentials)" "saying the retention state was not read"
run env -u AZURE_STORAGE_CONNECTION_STRING "$SAOIDC" publish --key "$A" --dry-run --revoke somekid azblob://acct21v/pub/x
contains "$RC $ERR" "1 " "--revoke with --dry-run without credentials is refused"
contains "$ERR" "needs credentials" "  the state must be read to say what would be withdrawn"
run env AZURE_STORAGE_CONNECTION_STRING="AccountName=acct21v;EndpointSuffix=core.usgovcloudapi.net" "$SAOIDC" publish --key "$A" --dry-run azblob://acct21v/pub/x
contains "$OUT" "https://acct21v.blob.core.usgovcloudapi.net/pub/x" "a connection string's EndpointSuffix too"

# publish --watch: a key change reaches the container without a restart.
cp "$A" "$T_TMP/wkey.pem"
WP=$(free_port)
"$SAOIDC" publish --watch --interval 1h --status-listen "127.0.0.1:$WP" --key "$T_TMP/wkey.pem" azblob://$ACCT/pub/watch \
	>"$T_TMP/w.out" 2>"$T_TMP/w.err" &
WPID=$!
PIDS="$PIDS $WPID"
ok "publish --watch to Azure is ready" wait_for curl -sf "http://127.0.0.1:$WP/readyz"
cp "$B" "$T_TMP/wkey.pem"
kill -HUP $WPID
ok "a key change is published by the watch" wait_for sh -c "cd '$HERE' && node azblob.mjs read pub watch/keys.json | grep -qF -- '$KB'"
kill -TERM $WPID
wait $WPID
is "$?" 0 "the watch stops on SIGTERM with 0"

# A private container is refused before any write, with the way out.
run "$SAOIDC" publish --key "$A" azblob://$ACCT/priv/cl1
is "$RC" 1 "a private container is refused (exit 1)"
contains "$ERR" "is private: STS could not read the documents" "the refusal says why"
contains "$ERR" "--public-access blob" "and how to make it public"
contains "$ERR" "azblob://$ACCT/\$web" "or to use the static website"
run "$SAOIDC" publish --key "$A" --issuer "https://$ACCT.blob.core.windows.net/priv/cl1/" azblob://$ACCT/priv/cl1
contains "$RC $ERR" "1 " "  so is the same issuer given as --issuer (the Blob host still serves it)"
is "$(azb list priv)" "" "nothing was written to it"
run "$SAOIDC" publish --key "$A" --issuer https://oidc.example.com/cl1 azblob://$ACCT/priv/cdn
is "$RC" 0 "behind another host (--issuer a CDN's URL) a private container is the CDN's business"
contains "$ERR" "are served as https://oidc.example.com/cl1: that URL must answer them" "  said so"

# $web: the static website; the issuer's host depends on the account's zone, so it is given.
run "$SAOIDC" publish --key "$A" "azblob://$ACCT/\$web/cl1"
is "$RC" 1 "\$web without --issuer is refused"
contains "$ERR" "primaryEndpoints.web" "naming the command that prints the web endpoint"
run "$SAOIDC" publish --key "$A" --issuer "https://$ACCT.z13.web.core.windows.net/other" "azblob://$ACCT/\$web/cl1"
is "$RC" 1 "an issuer on the web endpoint whose path is not the prefix is refused"
run "$SAOIDC" publish --key "$A" --issuer "https://$ACCT.z13.web.core.windows.net/cl1" "azblob://$ACCT/\$web/cl1"
is "$RC" 0 "\$web with its web endpoint as --issuer exits 0"
is "$(azb read '$web' cl1/.well-known/openid-configuration | field body | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["issuer"])')" \
	"https://$ACCT.z13.web.core.windows.net/cl1" "the discovery document in \$web names that issuer"

# A wrong account key: Azurite refuses the signature; nothing is written, the key is not shown.
BAD=$(printf 'not-the-key-%.0s' 1 2 3 4 | base64 -w0)
run env AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$ACCT;AccountKey=$BAD;BlobEndpoint=http://127.0.0.1:$AP/$ACCT;" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cl3
is "$RC" 1 "a wrong account key fails (exit 1)"
contains "$ERR" "HTTP 403" "naming Azure's refusal"
contains "$ERR" "the account key is wrong" "and what to do"
is "$(printf %s "$ERR$OUT" | grep -c -e "$BAD" -e "$DEVKEY")" 0 "no account key in the output"
is "$(azb list pub | grep -c '^cl3/')" 0 "nothing was written"
run env AZURE_STORAGE_CONNECTION_STRING="AccountName=someoneelse;AccountKey=$DEVKEY;BlobEndpoint=http://127.0.0.1:$AP/$ACCT" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cl3
contains "$ERR" "is for account \"someoneelse\"" "a connection string for another account is refused"

# Two publishers racing on the retention state (a proxy holds conditional writes back 1.5 s):
# neither loses the other's key.
RP=$(free_port)
/usr/bin/python3 "$HERE/hold_proxy.py" --listen "$RP" --upstream "http://127.0.0.1:$AP" --log "$T_TMP/race.log" \
	--slow-put-ms 1500 >"$T_TMP/race.out" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q listening "$T_TMP/race.out"
RCS="DefaultEndpointsProtocol=http;AccountName=$ACCT;AccountKey=$DEVKEY;BlobEndpoint=http://127.0.0.1:$RP/$ACCT;"
at_once AZURE_STORAGE_CONNECTION_STRING="$RCS" "publish --key $A --cluster one azblob://$ACCT/pub/race" \
	"publish --key $B --cluster two azblob://$ACCT/pub/race"
is "$R1 $R2" "0 0" "two clusters publishing at once both exit 0"
is "$(azb read pub race/keys.json | kids)" "$(printf '%s\n%s\n' "$KA" "$KB" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"the JWKS holds both clusters' keys"
R=$(grep -c '"status": 412\|"status": 409' "$T_TMP/race.log")
[ "$R" -ge 1 ] && pass "the race happened: $R conditional write(s) lost and merged again" || fail "the race happened" "$(cat "$T_TMP/race.log")"

# Killed between its two writes (the discovery document's Put Blob never arrives): a re-run
# finishes the job.
HP=$(free_port)
/usr/bin/python3 "$HERE/hold_proxy.py" --listen "$HP" --upstream "http://127.0.0.1:$AP" --log "$T_TMP/hang.log" \
	--hang openid-configuration >"$T_TMP/hang.out" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q listening "$T_TMP/hang.out"
AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$ACCT;AccountKey=$DEVKEY;BlobEndpoint=http://127.0.0.1:$HP/$ACCT;" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/kill >"$T_TMP/k.out" 2>"$T_TMP/k.err" &
KP=$!
wait_for grep -q hanging "$T_TMP/hang.log"
kill -9 $KP
wait $KP 2>/dev/null
is "$(azb read pub kill/keys.json | field contentType) $(azb read pub kill/.well-known/openid-configuration | field missing)" \
	"application/jwk-set+json True" "killed between the writes: the JWKS is there, the discovery document is not"
run "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/kill
is "$RC" 0 "the re-run exits 0"
contains "$ERR" "keys.json: unchanged" "it finds the JWKS done"
is "$(azb read pub kill/.well-known/openid-configuration | field contentType)" "application/json" "and writes the discovery document"

# HTTPS: a SAS, and Microsoft Entra ID tokens (Azurite's --oauth basic checks them).
make_chain "$T_TMP/pki" localhost $ACCT.blob.core.windows.net
SP=$(free_port)
azurite azs "$SP" --cert "$T_TMP/pki/chain.pem" --key "$T_TMP/pki/leaf.key" --oauth basic
export SSL_CERT_FILE="$T_TMP/pki/root.pem" NODE_EXTRA_CA_CERTS="$T_TMP/pki/root.pem"
SCS="DefaultEndpointsProtocol=https;AccountName=$ACCT;AccountKey=$DEVKEY;BlobEndpoint=https://127.0.0.1:$SP/$ACCT;"
AZURE_STORAGE_CONNECTION_STRING="$SCS" azb create pub blob
AZURE_STORAGE_CONNECTION_STRING="$SCS" azb create priv
SAS=$(AZURE_STORAGE_CONNECTION_STRING="$SCS" azb sas pub)
run env AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=https://127.0.0.1:$SP/$ACCT" AZURE_STORAGE_ACCOUNT=$ACCT AZURE_STORAGE_SAS_TOKEN="$SAS" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/sas
is "$RC" 0 "a container SAS publishes over https"
contains "$ERR" "credentials from AZURE_STORAGE_SAS_TOKEN" "saying where the credentials came from"
is "$(printf %s "$ERR$OUT" | grep -c "sig=")" 0 "the SAS signature is not in the output"
run env AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=http://127.0.0.1:$AP/$ACCT" AZURE_STORAGE_ACCOUNT=$ACCT AZURE_STORAGE_SAS_TOKEN="$SAS" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/sas
contains "$RC $ERR" "1 " "a SAS is not sent over plain http"
contains "$ERR" "not sent over plain http" "  and the error says so"
run env AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=https://127.0.0.1:1/$ACCT" AZURE_STORAGE_ACCOUNT=$ACCT AZURE_STORAGE_SAS_TOKEN="$SAS" \
	"$SAOIDC" publish --key "$A" azblob://$ACCT/pub/sas
is "$RC $(printf %s "$ERR$OUT" | grep -c "sig=")" "1 0" "a connection error names the URL without its SAS"

# verify reads the issuer as STS would, on ACCOUNT.blob.core.windows.net (dialled at Azurite,
# which answers production-style URLs): it passes, and a private container gets Azure's fix.
VJ=$("$SAOIDC" verify --issuer "https://$ACCT.blob.core.windows.net/pub/sas" --connect-to "127.0.0.1:$SP" --ca-file "$T_TMP/pki/root.pem" --json 2>/dev/null)
is "$(printf %s "$VJ" | /usr/bin/python3 -c 'import json,sys; c={x["check"]: x["status"] for x in json.load(sys.stdin)["checks"]}; print(c.get("discovery"), c.get("jwks"), c.get("jwks-cache"))')" \
	"pass pass pass" "verify: the documents on the Blob host pass as STS reads them, Cache-Control as set"
run "$SAOIDC" verify --issuer "https://$ACCT.blob.core.windows.net/priv/x" --connect-to "127.0.0.1:$SP" --ca-file "$T_TMP/pki/root.pem"
contains "$OUT$ERR" "set the container's access level to blob" "verify: a private container gets the Azure fix"

# Entra workload identity: the pod's projected token (signed by the cluster's key) is the client
# assertion; Entra checks it against the federated credential.
/usr/bin/python3 "$HERE/tokens.py" "$T_TMP/tok" "https://cluster.example" >/dev/null
TP=$(free_port)
/usr/bin/python3 "$HERE/entra_standin.py" --listen "$TP" --cert "$T_TMP/pki/chain.pem" --key "$T_TMP/pki/leaf.key" \
	--tenant tenant1 --client-id app1 --secret s3cret --jwks "$T_TMP/tok/jwks.json" --issuer https://cluster.example \
	--subject system:serviceaccount:saoidc:publisher --log "$T_TMP/entra.log" >"$T_TMP/entra.out" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q listening "$T_TMP/entra.out"
/usr/bin/python3 - "$T_TMP/tok/RS256.pem" "$T_TMP/tok/jwks.json" >"$T_TMP/fed.jwt" <<'EOF'
import json, sys, time, jwt
jwks = json.load(open(sys.argv[2]))
kid = [k["kid"] for k in jwks["keys"] if k.get("alg") == "RS256" or k["kty"] == "RSA"][0]
now = int(time.time())
print(jwt.encode({"iss": "https://cluster.example", "sub": "system:serviceaccount:saoidc:publisher",
                  "aud": ["api://AzureADTokenExchange"], "iat": now, "nbf": now, "exp": now + 3600},
                 open(sys.argv[1]).read(), algorithm="RS256", headers={"kid": kid}))
EOF
ENTRA="AZURE_STORAGE_CONNECTION_STRING=BlobEndpoint=https://127.0.0.1:$SP/$ACCT AZURE_TENANT_ID=tenant1 AZURE_CLIENT_ID=app1 AZURE_AUTHORITY_HOST=https://127.0.0.1:$TP/"
run env $ENTRA AZURE_FEDERATED_TOKEN_FILE="$T_TMP/fed.jwt" "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/wi
is "$RC" 0 "Entra workload identity publishes (no storage key)"
contains "$ERR" "workload identity, AZURE_FEDERATED_TOKEN_FILE" "saying so"
is "$(grep -c '"grant": "assertion", "status": 200' "$T_TMP/entra.log")" 1 "the token endpoint granted it for the federated token"
is "$(AZURE_STORAGE_CONNECTION_STRING="$SCS" azb read pub wi/keys.json | field body)" "$("$SAOIDC" jwks --key "$A")" "the JWKS is there"
printf 'not.a.token\n' >"$T_TMP/bad.jwt"
run env $ENTRA AZURE_FEDERATED_TOKEN_FILE="$T_TMP/bad.jwt" "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/wi2
is "$RC" 1 "a federated token Entra does not accept fails"
contains "$ERR" "AADSTS700213" "with Entra's reason"
run env $ENTRA AZURE_CLIENT_SECRET=s3cret "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cs
is "$RC" 0 "an Entra client secret publishes"
run env $ENTRA AZURE_CLIENT_SECRET=wrong-secret "$SAOIDC" publish --key "$A" azblob://$ACCT/pub/cs2
is "$RC" 1 "a wrong client secret fails"
contains "$ERR" "invalid_client: AADSTS7000215: Invalid client secret provided." "with Entra's error, first line only"
is "$(printf %s "$ERR$OUT" | grep -c -e wrong-secret -e s3cret)" 0 "no client secret in the output"
is "$(AZURE_STORAGE_CONNECTION_STRING="$SCS" azb list pub | grep -c -e '^wi2/' -e '^cs2/')" 0 "failed logins wrote nothing"
done_testing
