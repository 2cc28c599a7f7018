#!/bin/sh
# publish gs://: against a Cloud Storage stand-in (tests/interop/gcs_standin.py) that checks every
# request against the storage v1 discovery document Google's Go client carries, and verifies
# every token grant (the service account's JWT assertion with its public key; the cluster's own
# token at STS for workload identity federation); read back with Google's @google-cloud/storage.
# The public-read check, a wrong key, a race on the retention state, a kill between writes.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
GO=/usr/share/gocode/src/google.golang.org/api/storage/v1/storage-gen.go
[ -f "$GO" ] || skip_all "golang-google-api-dev is not installed (it carries the storage v1 discovery document)"
[ -d "$HERE/node_modules/@google-cloud/storage" ] || skip_all "node modules missing: run 'npm ci' in tests/interop (dev.sh test does)"
/usr/bin/python3 -c 'import jwt, jwcrypto, cryptography' 2>/dev/null || skip_all "python3-jwt, python3-jwcrypto or python3-cryptography is not installed"
KEYS="$SRCDIR/keys"
A="$KEYS/demo-rsa.key"
B="$KEYS/demo-ec256.key"
PIDS=""
trap 'kill $PIDS 2>/dev/null; wait; rm -rf "$T_TMP"' EXIT
unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG GCE_METADATA_HOST STORAGE_EMULATOR_HOST
export HOME="$T_TMP" NO_GCE_CHECK=true

make_chain "$T_TMP/pki" localhost storage.googleapis.com
export SSL_CERT_FILE="$T_TMP/pki/root.pem" NODE_EXTRA_CA_CERTS="$T_TMP/pki/root.pem"
GP=$(free_port)
G2=$(free_port)
MP=$(free_port)
# sa_json FILE PORT: a service account key file whose token_uri is the stand-in on PORT.
sa_json() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.pem" 2>/dev/null
	/usr/bin/python3 - "$1.pem" "$2" >"$1" <<'EOF'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "proj", "private_key_id": "k1",
                  "private_key": open(sys.argv[1]).read(), "client_email": "publisher@proj.iam.gserviceaccount.com",
                  "client_id": "1", "token_uri": "https://127.0.0.1:%s/token" % sys.argv[2]}))
EOF
}
sa_json "$T_TMP/sa.json" "$GP"
sa_json "$T_TMP/sa2.json" "$G2"
/usr/bin/python3 "$HERE/tokens.py" "$T_TMP/tok" "https://cluster.example" >/dev/null
AUD="//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/cluster"
# standin NAME PORT ARGS...
standin() {
	name=$1 port=$2
	shift 2
	/usr/bin/python3 "$HERE/gcs_standin.py" --listen "$port" --cert "$T_TMP/pki/chain.pem" --key "$T_TMP/pki/leaf.key" \
		--go-client "$GO" --log "$T_TMP/$name.log" --jwks "$T_TMP/tok/jwks.json" --issuer https://cluster.example \
		--sts-audience "$AUD" "$@" >"$T_TMP/$name.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for grep -q listening "$T_TMP/$name.out" || { fail "the stand-in $name came up" "$(cat "$T_TMP/$name.out")"; done_testing; exit 1; }
}
standin gcs "$GP" --sa-key "$T_TMP/sa.json" --bucket pub:uniform-public --bucket priv:uniform-private \
	--bucket fine:fine --metadata-listen "$MP" --hang kill/.well-known
standin gcs2 "$G2" --sa-key "$T_TMP/sa2.json" --role objectAdmin --bucket pub:uniform-public \
	--bucket priv:uniform-private --slow-conditional-ms 1500
export STORAGE_EMULATOR_HOST="https://127.0.0.1:$GP" GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/sa.json"
# token SA: an access token for the reference client, by a JWT grant made here (PyJWT).
token() {
	/usr/bin/python3 - "$1" <<'EOF'
import json, sys, time, urllib.parse, urllib.request, jwt
sa = json.load(open(sys.argv[1]))
now = int(time.time())
a = jwt.encode({"iss": sa["client_email"], "aud": sa["token_uri"], "iat": now, "exp": now + 600,
                "scope": "https://www.googleapis.com/auth/devstorage.read_write"}, sa["private_key"],
               algorithm="RS256", headers={"kid": sa["private_key_id"]})
body = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": a}).encode()
print(json.load(urllib.request.urlopen(sa["token_uri"], body))["access_token"])
EOF
}
T1=$(token "$T_TMP/sa.json")
T2=$(token "$T_TMP/sa2.json")
gcs() { (cd "$HERE" && GCS_TOKEN=${GCS_TOKEN:-$T1} NODE_NO_WARNINGS=1 node gcs.mjs read "$@"); }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('$1'))"; }
kids() { /usr/bin/python3 -c "import json,sys; print(' '.join(sorted(k['kid'] for k in json.loads(json.load(sys.stdin)['body'])['keys'])))"; }
kid_of() { "$SAOIDC" jwks --key "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['keys'][0]['kid'])"; }
inserts() { grep -c '"method": "storage.objects.insert", "status": 200' "$1" || true; }
KA=$(kid_of "$A")
KB=$(kid_of "$B")
BOTH=$(printf '%s\n%s\n' "$KA" "$KB" | sort | tr '\n' ' ' | sed 's/ $//')

# First run with a service account key: the JWT grant, the documents, read back with Google's client.
run "$SAOIDC" publish --key "$A" gs://pub/cl1
is "$RC" 0 "first publish to a public bucket exits 0"
is "$OUT" "https://storage.googleapis.com/pub/cl1" "the issuer is the bucket's URL on storage.googleapis.com"
contains "$ERR" "credentials from service account publisher@proj.iam.gserviceaccount.com" "says whose credentials"
is "$(grep -c '"method": "oauth2.token(jwt-bearer)", "status": 200' "$T_TMP/gcs.log")" 2 "the JWT assertion was verified with the key's public half and granted"
J=$(gcs pub cl1/keys.json)
is "$(printf %s "$J" | field body)" "$("$SAOIDC" jwks --key "$A")" "@google-cloud/storage reads the JWKS saoidc renders, byte for byte"
is "$(printf %s "$J" | field contentType)" "application/jwk-set+json" "the JWKS object's contentType"
is "$(printf %s "$J" | field cacheControl)" "public, max-age=3600" "and its cacheControl"
is "$(gcs pub cl1/.well-known/openid-configuration | field body | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jwks_uri"])')" \
	"https://storage.googleapis.com/pub/cl1/keys.json" "the discovery document's jwks_uri is under the issuer"
is "$(curl -s --cacert "$T_TMP/pki/root.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$GP/pub/cl1/keys.json")" 200 "anyone may read the JWKS, as STS will"
contains "$(gcs pub cl1/.saoidc/retention.json | field body)" "$KA" "the retention state is next to the documents"
is "$(grep -c '"status": 400' "$T_TMP/gcs.log")" 0 "no request broke the discovery document's rules"

# A second run writes nothing.
N=$(inserts "$T_TMP/gcs.log")
run "$SAOIDC" publish --key "$A" gs://pub/cl1
is "$RC $(inserts "$T_TMP/gcs.log")" "0 $N" "a re-run with the same key makes no objects.insert"
contains "$ERR" "keys.json: unchanged" "and says the documents are unchanged"

# A key change: the new key is published, the old one retained.
run "$SAOIDC" publish --key "$B" gs://pub/cl1
is "$RC $(gcs pub cl1/keys.json | kids)" "0 $BOTH" "a new key is published and the old one retained"
is "$(grep -c '"conditional": "[1-9]' "$T_TMP/gcs.log")" 1 "the retention state was rewritten with ifGenerationMatch of the one read"

# verify reads the issuer as STS would, on storage.googleapis.com (dialled at the stand-in);
# status reads the origin through the JSON API.
VJ=$("$SAOIDC" verify --issuer https://storage.googleapis.com/pub/cl1 --connect-to "127.0.0.1:$GP" --ca-file "$T_TMP/pki/root.pem" --json 2>/dev/null)
is "$(printf %s "$VJ" | /usr/bin/python3 -c 'import json,sys; c={x["check"]: x["status"] for x in json.load(sys.stdin)["checks"]}; print(c.get("discovery"), c.get("jwks"), c.get("issuer"))')" \
	"pass pass pass" "verify: the discovery document and JWKS on storage.googleapis.com pass as STS reads them"
run "$SAOIDC" verify --issuer https://storage.googleapis.com/priv/cl1 --connect-to "127.0.0.1:$GP" --ca-file "$T_TMP/pki/root.pem"
contains "$OUT$ERR" "grant allUsers roles/storage.objectViewer" "verify: a bucket no one may read gets the Cloud Storage fix"
SJ=$("$SAOIDC" status --issuer https://storage.googleapis.com/pub/cl1 --key "$A" --key "$B" --bucket gs://pub/cl1 \
	--connect-to "127.0.0.1:$GP" --ca-file "$T_TMP/pki/root.pem" --json 2>/dev/null)
is "$(printf %s "$SJ" | /usr/bin/python3 -c 'import json,sys; l=[x for x in json.load(sys.stdin)["links"] if x["link"]=="origin"][0]; print(l["verdict"], l["source"], len(l["kids"]))')" \
	"ok gs://pub/cl1/keys.json 2" "status --bucket gs://: the origin link reads both keys through the JSON API"

run "$SAOIDC" rotate-plan --issuer https://storage.googleapis.com/pub/cl1 --key "$B" --state gs://pub/cl1 \
	--connect-to "127.0.0.1:$GP" --ca-file "$T_TMP/pki/root.pem"
contains "$OUT" "$KA is published but not held any more: retained until" "rotate-plan --state gs://: the retired key's end comes from the retention state"

# --dry-run prints the uploads and makes none.
N=$(inserts "$T_TMP/gcs.log")
run "$SAOIDC" publish --key "$A" --dry-run gs://pub/cl2
contains "$OUT" "POST https://127.0.0.1:$GP/upload/storage/v1/b/pub/o?uploadType=multipart&name=cl2%2Fkeys.json" "--dry-run prints the upload it would make"
is "$(inserts "$T_TMP/gcs.log")" "$N" "and makes none"

# Who may read: refused before any write, with the way out.
N=$(inserts "$T_TMP/gcs.log")
run "$SAOIDC" publish --key "$A" gs://priv/cl1
is "$RC" 1 "a bucket no one may read is refused (exit 1)"
contains "$ERR" "allUsers holds no objectViewer role" "saying why"
contains "$ERR" "--member=allUsers --role=roles/storage.objectViewer" "and how to make it public"
run "$SAOIDC" publish --key "$A" --issuer https://storage.googleapis.com/priv/cl1 gs://priv/cl1
is "$RC" 1 "  so is the same issuer given as --issuer"
run "$SAOIDC" publish --key "$A" gs://fine/cl1
is "$RC" 1 "a bucket with fine-grained access needs --acl public-read"
contains "$ERR" "fine-grained access and --acl public-read was not given" "  said so"
run "$SAOIDC" publish --key "$A" --acl public-read gs://pub/cl3
is "$RC" 1 "--acl public-read on a uniform bucket is refused"
contains "$ERR" "refuses per-object ACLs" "  said so"
is "$(inserts "$T_TMP/gcs.log")" "$N" "none of the refusals wrote anything"
run "$SAOIDC" publish --key "$A" --acl public-read gs://fine/cl1
is "$RC" 0 "--acl public-read on a fine-grained bucket publishes"
is "$(grep -c '"acl": "publicRead"' "$T_TMP/gcs.log")" 2 "both documents were uploaded publicRead (the retention state not)"
is "$(curl -s --cacert "$T_TMP/pki/root.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$GP/fine/cl1/.well-known/openid-configuration") $(curl -s --cacert "$T_TMP/pki/root.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$GP/fine/cl1/.saoidc/retention.json")" \
	"200 403" "anyone may read the documents, not the retention state"

# With roles/storage.objectAdmin alone (no storage.buckets.get), the bucket is probed as STS
# would read it.
export GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/sa2.json"
run env STORAGE_EMULATOR_HOST="https://127.0.0.1:$G2" "$SAOIDC" publish --key "$A" gs://pub/oa
is "$RC" 0 "objectAdmin alone: a public bucket publishes"
contains "$ERR" "checked without credentials" "found public by reading it as anyone"
run env STORAGE_EMULATOR_HOST="https://127.0.0.1:$G2" "$SAOIDC" publish --key "$A" gs://priv/oa
is "$RC" 1 "objectAdmin alone: a private bucket is refused"
contains "$ERR" "anyone reading the bucket is refused" "  said so"

# Two clusters racing on the retention state (the stand-in holds conditional writes 1.5 s).
at_once STORAGE_EMULATOR_HOST="https://127.0.0.1:$G2" "publish --key $A --cluster one gs://pub/race" \
	"publish --key $B --cluster two gs://pub/race"
is "$R1 $R2" "0 0" "two clusters publishing at once both exit 0"
is "$(STORAGE_EMULATOR_HOST="https://127.0.0.1:$G2" GCS_TOKEN=$T2 gcs pub race/keys.json | kids)" "$BOTH" "the JWKS holds both clusters' keys"
R=$(grep -c '"reason": "conditionNotMet"' "$T_TMP/gcs2.log")
[ "$R" -ge 1 ] && pass "the race happened: $R conditional write(s) lost and merged again" || fail "the race happened" "$(cat "$T_TMP/gcs2.log")"
export GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/sa.json"

# Killed between its two writes: a re-run finishes.
"$SAOIDC" publish --key "$A" gs://pub/kill >"$T_TMP/k.out" 2>"$T_TMP/k.err" &
KP=$!
wait_for grep -q '"status": "hanging"' "$T_TMP/gcs.log"
kill -9 $KP
wait $KP 2>/dev/null
is "$(gcs pub kill/keys.json | field contentType) $(gcs pub kill/.well-known/openid-configuration | field missing)" \
	"application/jwk-set+json True" "killed between the writes: the JWKS is there, the discovery document is not"
run "$SAOIDC" publish --key "$A" gs://pub/kill
is "$RC" 0 "the re-run exits 0"
is "$(gcs pub kill/.well-known/openid-configuration | field contentType)" "application/json" "and writes the discovery document"

# A key that is not the service account's: Google refuses the assertion; nothing is written.
sa_json "$T_TMP/wrong.json" "$GP"
N=$(inserts "$T_TMP/gcs.log")
run env GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/wrong.json" "$SAOIDC" publish --key "$A" gs://pub/wrong
is "$RC" 1 "a key that is not the service account's fails"
contains "$ERR" "invalid_grant: Invalid JWT Signature." "with Google's reason"
is "$(inserts "$T_TMP/gcs.log")" "$N" "nothing was written"
is "$(printf %s "$ERR$OUT" | grep -c 'PRIVATE KEY\|ya29\.')" 0 "no key or token in the output"

# Workload identity federation: the cluster's own token, exchanged at STS (then, optionally, for
# a service account's token).
/usr/bin/python3 - "$T_TMP/tok/RS256.pem" "$T_TMP/tok/jwks.json" >"$T_TMP/sub.jwt" <<'EOF'
import json, sys, time, jwt
kid = [k["kid"] for k in json.load(open(sys.argv[2]))["keys"] if k["kty"] == "RSA"][0]
now = int(time.time())
print(jwt.encode({"iss": "https://cluster.example", "sub": "system:serviceaccount:saoidc:publisher",
                  "aud": ["https://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/cluster"],
                  "iat": now, "nbf": now, "exp": now + 3600}, open(sys.argv[1]).read(), algorithm="RS256",
                 headers={"kid": kid}))
EOF
/usr/bin/python3 - "$GP" "$T_TMP/sub.jwt" "$AUD" >"$T_TMP/ext.json" <<'EOF'
import json, sys
print(json.dumps({"type": "external_account", "audience": sys.argv[3],
                  "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                  "token_url": "https://127.0.0.1:%s/v1/token" % sys.argv[1],
                  "credential_source": {"file": sys.argv[2], "format": {"type": "text"}}}))
EOF
run env GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/ext.json" "$SAOIDC" publish --key "$A" gs://pub/wif
is "$RC" 0 "workload identity federation (direct) publishes"
contains "$ERR" "workload identity federation" "saying so"
is "$(grep -c '"method": "sts.token", "status": 200' "$T_TMP/gcs.log")" 1 "STS exchanged the cluster's token (signature, issuer, audience checked)"
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['service_account_impersonation_url']='https://127.0.0.1:%s/v1/projects/-/serviceAccounts/publisher@proj.iam.gserviceaccount.com:generateAccessToken' % sys.argv[2]; print(json.dumps(d))" \
	"$T_TMP/ext.json" "$GP" >"$T_TMP/ext-imp.json"
run env GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/ext-imp.json" "$SAOIDC" publish --key "$A" gs://pub/wif2
is "$RC $(grep -c '"method": "iamcredentials.generateAccessToken", "status": 200' "$T_TMP/gcs.log")" "0 1" "with impersonation, the STS token buys the service account's"
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['audience']='//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/other'; print(json.dumps(d))" \
	"$T_TMP/ext.json" >"$T_TMP/ext-bad.json"
run env GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/ext-bad.json" "$SAOIDC" publish --key "$A" gs://pub/wif3
is "$RC" 1 "a pool provider STS does not know fails"
contains "$ERR" "invalid_target" "with STS's reason"

run "$SAOIDC" publish --key "$A" --endpoint-suffix core.chinacloudapi.cn gs://pub/x
contains "$RC $ERR" "1 " "--endpoint-suffix (Azure's) is refused for gs://"

# The GCE metadata server, and no credentials at all.
run env -u GOOGLE_APPLICATION_CREDENTIALS -u NO_GCE_CHECK GCE_METADATA_HOST="127.0.0.1:$MP" "$SAOIDC" publish --key "$A" gs://pub/md
is "$RC" 0 "the metadata server's token publishes"
contains "$ERR" "the GCE metadata server (127.0.0.1:$MP)" "saying so"
run env -u GOOGLE_APPLICATION_CREDENTIALS "$SAOIDC" publish --key "$A" gs://pub/none
is "$RC" 1 "no credentials: exit 1"
contains "$ERR" "no Google credentials" "naming the ways to give them"
run env STORAGE_EMULATOR_HOST="http://127.0.0.1:$GP" "$SAOIDC" publish --key "$A" gs://pub/http
contains "$RC $ERR" "1 " "a token is not sent over plain http"
contains "$ERR" "not sent over plain http" "  said so"
done_testing
