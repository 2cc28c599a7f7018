#!/bin/sh
# audit --azure-identity and --gcp-provider, read-only, against stand-ins that answer as the
# clouds do. Azure: the federated identity credentials are made with Microsoft's own SDK
# (azure-mgmt-msi, Debian's python3-azure) on a Resource Manager stand-in (tests/interop/
# arm_standin.py: api-version, the token's audience, paging by nextLink, ARM's error bodies) and
# read back with it; the token comes from the Microsoft Entra ID stand-in for Resource Manager's
# scope. Google: the providers are served by the Google stand-in (tests/interop/gcs_standin.py)
# checked against IAM v1's discovery document and schemas as Google's Go client carries them
# (golang-google-api-dev), with a service account's JWT grant verified and its scope checked.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
GO_IAM=/usr/share/gocode/src/google.golang.org/api/iam/v1/iam-gen.go
GO_GCS=/usr/share/gocode/src/google.golang.org/api/storage/v1/storage-gen.go
[ -f "$GO_IAM" ] || skip_all "golang-google-api-dev is not installed (it carries IAM v1's discovery document)"
/usr/bin/python3 -c 'import azure.mgmt.msi.v2022_01_31_preview, azure.core, jwcrypto, cryptography' 2>/dev/null ||
	skip_all "python3-azure (azure-mgmt-msi), python3-jwcrypto or python3-cryptography is not installed"
PIDS=""
# no_secret TEXT SECRET DESCRIPTION
no_secret() { case "$1" in *"$2"*) fail "$3" "found in the output" ;; *) pass "$3" ;; esac; }
trap 'kill $PIDS 2>/dev/null; wait; rm -rf "$T_TMP"' EXIT
unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG GCE_METADATA_HOST CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM \
	AZURE_CLIENT_SECRET AZURE_FEDERATED_TOKEN_FILE AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_AUTHORITY_HOST
export HOME="$T_TMP" NO_GCE_CHECK=true

make_chain "$T_TMP/pki" localhost
export SSL_CERT_FILE="$T_TMP/pki/root.pem" REQUESTS_CA_BUNDLE="$T_TMP/pki/root.pem"
ISS=https://oidc.example.com/cluster-a
SUB=/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg
ID1=$SUB/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app
ID2=$SUB/providers/Microsoft.ManagedIdentity/userAssignedIdentities/full
ID3=$SUB/providers/Microsoft.ManagedIdentity/userAssignedIdentities/empty
EP=$(free_port)
AP=$(free_port)
AP2=$(free_port)
GP=$(free_port)
GP2=$(free_port)
# up NAME PORT SCRIPT ARGS...: a stand-in, waited for.
up() {
	name=$1 port=$2 script=$3
	shift 3
	/usr/bin/python3 "$HERE/$script" --listen "$port" --cert "$T_TMP/pki/chain.pem" --key "$T_TMP/pki/leaf.key" \
		--log "$T_TMP/$name.log" "$@" >"$T_TMP/$name.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for grep -q listening "$T_TMP/$name.out" || { fail "the stand-in $name came up" "$(cat "$T_TMP/$name.out")"; done_testing; exit 1; }
}
up entra "$EP" entra_standin.py --tenant tenant-1 --client-id client-1 --secret s3cret-value \
	--scope "https://127.0.0.1:$AP/.default" --scope "https://127.0.0.1:$AP2/.default" \
	--scope "https://localhost:$AP/.default"
up arm "$AP" arm_standin.py --identity "$ID1" --identity "$ID2" --identity "$ID3" --page 5 \
	--audience "https://127.0.0.1:$AP"
up arm2 "$AP2" arm_standin.py --identity "$ID1" --deny-read --audience "https://127.0.0.1:$AP2"

# Microsoft's SDK makes the credentials (and reads them back): the request and answer shapes are
# azure-mgmt-msi's. Its token is the Entra stand-in's for Resource Manager's scope.
cat >"$T_TMP/msi.py" <<'EOF'
import json, sys, urllib.parse, urllib.request
from azure.core.credentials import AccessToken
from azure.mgmt.msi.v2022_01_31_preview import ManagedServiceIdentityClient
from azure.mgmt.msi.v2022_01_31_preview.models import FederatedIdentityCredential

entra, arm, op = sys.argv[1], sys.argv[2], sys.argv[3]

class Cred:
    def get_token(self, *scopes, **kw):
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "client-1",
                                       "client_secret": "s3cret-value", "scope": scopes[0]}).encode()
        t = json.load(urllib.request.urlopen(entra + "/tenant-1/oauth2/v2.0/token", form))
        return AccessToken(t["access_token"], 2**31)

c = ManagedServiceIdentityClient(Cred(), "00000000-0000-0000-0000-000000000001", base_url=arm,
                                 credential_scopes=[arm + "/.default"])
ops = c.federated_identity_credentials
if op == "put":
    for line in sys.stdin:
        ident, name, iss, sub, aud = line.rstrip("\n").split("|")
        ops.create_or_update("rg", ident, name, FederatedIdentityCredential(issuer=iss, subject=sub,
                                                                            audiences=aud.split(",")))
else:
    print(len(list(ops.list("rg", sys.argv[4]))))
EOF
msi() { /usr/bin/python3 "$T_TMP/msi.py" "https://127.0.0.1:$EP" "https://127.0.0.1:$AP" "$@"; }
W=api://AzureADTokenExchange
{
	echo "app|ok|$ISS|system:serviceaccount:apps:reader|$W"
	echo "app|slash|$ISS/|system:serviceaccount:apps:writer|$W"
	echo "app|wild|$ISS|system:serviceaccount:apps:*|$W"
	echo "app|ci|$ISS|repo:org/app:ref:refs/heads/main|$W"
	echo "app|aud|$ISS|system:serviceaccount:apps:batch|sts.amazonaws.com"
	echo "app|other|https://oidc.example.com/cluster-b|system:serviceaccount:apps:reader|$W"
	i=0
	while [ $i -lt 20 ]; do
		echo "full|sa$i|$ISS|system:serviceaccount:ns$i:sa|$W"
		i=$((i + 1))
	done
} | msi put
is "$(msi list app)" 6 "azure-mgmt-msi made 6 credentials on one identity and reads them back (2 pages of 5)"
is "$(msi list full)" 20 "  and 20 on another (4 pages)"

export AZURE_TENANT_ID=tenant-1 AZURE_CLIENT_ID=client-1 AZURE_CLIENT_SECRET=s3cret-value \
	AZURE_AUTHORITY_HOST="https://127.0.0.1:$EP/"
: >"$T_TMP/arm.log"
run "$SAOIDC" audit --issuer "$ISS" --azure-identity "$ID1" --azure-identity "$ID2" --azure-identity "$ID3" \
	--azure-endpoint "https://127.0.0.1:$AP"
is "$RC" 1 "audit --azure-identity: exit 1 (credentials fail)"
contains "$OUT" "[ OK ] ok  (issuer $ISS)" "the exact issuer, a ServiceAccount, Entra's audience: OK"
contains "$OUT" "[FAIL] slash  (issuer $ISS/)" "a trailing slash: FAIL"
contains "$OUT" "Entra ID compares the issuer exactly" "  saying why"
contains "$OUT" "[FAIL] wild" "a '*' in the subject: FAIL"
contains "$OUT" "[FAIL] ci" "a subject no ServiceAccount has: FAIL"
contains "$OUT" "[WARN] aud" "another audience: WARN"
case "$OUT" in *"] other "*) fail "another issuer's credential is left out" "$OUT" ;; *) pass "another issuer's credential is left out" ;; esac
contains "$OUT" "(1 credential of other issuers left out)" "  and counted"
contains "$OUT" "at Azure's limit of 20 federated identity credentials" "an identity with 20 credentials: at the limit"
contains "$OUT" "Azure identity $ID3:" "an identity without credentials is listed"
contains "$OUT" "25 judged: 3 fail, 1 warn, 21 ok" "the tally (other issuers' credentials left out)"
case "$OUT" in *"roles"* | *providers:*) fail "no AWS part without --aws" "$OUT" ;; *) pass "no AWS part without --aws" ;; esac
is "$(grep -c '"operation": "List"' "$T_TMP/arm.log")" 7 "saoidc listed every page: 2 + 4 + 1"
is "$(grep -c '"api_version": "2023-01-31"' "$T_TMP/arm.log")" 7 "  at api-version 2023-01-31"
is "$(grep -v '"method": "GET"' "$T_TMP/arm.log" | grep -c .)" 0 "  and only read"
grep -q "\"grant\": \"secret\", \"status\": 200" "$T_TMP/entra.log" && pass "the token came from Entra for Resource Manager's scope" ||
	fail "the token came from Entra for Resource Manager's scope" "$(cat "$T_TMP/entra.log")"
no_secret "$OUT$ERR" s3cret-value "the client secret appears nowhere"

run "$SAOIDC" audit --issuer "$ISS" --azure-identity "$ID1" --azure-endpoint "https://127.0.0.1:$AP" --json
is "$RC" 1 "--json: exit 1 too"
is "$(printf %s "$OUT" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
i = r["azure"][0]
print(i["identity"] == sys.argv[1], i["others"], sorted((c["name"], c["verdict"]) for c in i["credentials"]),
      [f["code"] for c in i["credentials"] if c["name"] == "wild" for f in c["findings"]], "roles" in r)
' "$ID1")" "True 1 [('aud', 'warn'), ('ci', 'fail'), ('ok', 'ok'), ('slash', 'fail'), ('wild', 'fail')] ['wildcard'] False" \
	"--json: the identity, its credentials with verdicts and findings"
run "$SAOIDC" audit --azure-identity "$ID1" --azure-endpoint "https://127.0.0.1:$AP/"
contains "$OUT" "[ OK ] other  (issuer https://oidc.example.com/cluster-b)" "without --issuer every credential is judged (an endpoint given with a trailing '/')"

# --aws as well: the AWS account (an IAM stand-in with no provider or role) in the same report.
start_iam iam --key AKIDIAMTEST:iam-secret-key
PIDS="$PIDS $IAM_PID"
run env HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDIAMTEST \
	AWS_SECRET_ACCESS_KEY=iam-secret-key AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IAM_PORT" \
	"$SAOIDC" audit --azure-identity "$ID1" --azure-endpoint "https://127.0.0.1:$AP" --aws --json
is "$(printf %s "$OUT" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print(sorted(r), len(r["azure"][0]["credentials"]))')" "['azure', 'dangling', 'providers', 'roles'] 6" \
	"--aws with --azure-identity: both parts in one report (exit $RC: $ERR)"
grep -q ListOpenIDConnectProviders "$T_TMP/iam.log" && pass "  IAM was read" || fail "  IAM was read" "$(cat "$T_TMP/iam.log")"

refused "a read Resource Manager refuses names the permission" 1 \
	"the credentials lack Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read" \
	"$SAOIDC" audit --azure-identity "$ID1" --azure-endpoint "https://127.0.0.1:$AP2"
refused "an identity Resource Manager does not have: 404 named" 1 "no such user-assigned managed identity" \
	"$SAOIDC" audit --azure-identity "$SUB/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gone" \
	--azure-endpoint "https://127.0.0.1:$AP"
refused "a token for another resource is refused as ARM refuses it" 1 "InvalidAuthenticationTokenAudience" \
	"$SAOIDC" audit --azure-identity "$ID1" --azure-endpoint "https://localhost:$AP"
refused "no Azure credentials: said, nothing called" 1 "no Azure credentials" \
	env -u AZURE_CLIENT_SECRET "$SAOIDC" audit --azure-identity "$ID1" --azure-endpoint "https://127.0.0.1:$AP"
refused "an http:// endpoint is a usage error (a bearer token)" 2 "an https:// URL" \
	"$SAOIDC" audit --azure-identity "$ID1" --azure-endpoint "http://127.0.0.1:$AP"
refused "a resource ID of another type is a usage error" 2 "not a user-assigned managed identity's resource ID" \
	"$SAOIDC" audit --azure-identity "$SUB/providers/Microsoft.Compute/virtualMachines/vm"

# Google: a service account key whose token_uri is the stand-in; providers as IAM returns them.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T_TMP/sa.pem" 2>/dev/null
/usr/bin/python3 - "$T_TMP" "$GP" "$ISS" "$GP2" <<'EOF'
import json, sys
d, port, iss, port2 = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
for f, p in (("sa.json", port), ("sa2.json", port2)):
    json.dump({"type": "service_account", "project_id": "proj", "private_key_id": "k1",
               "private_key": open(d + "/sa.pem").read(), "client_email": "auditor@proj.iam.gserviceaccount.com",
               "client_id": "1", "token_uri": "https://127.0.0.1:%s/token" % p}, open(d + "/" + f, "w"))
base = "projects/123/locations/global/workloadIdentityPools/pool/providers/"
good = {"attributeMapping": {"google.subject": "assertion.sub"},
        "attributeCondition": "assertion.sub.startsWith('system:serviceaccount:apps:')"}
for name, extra, issuer in (("good", good, iss), ("open", {"attributeMapping": {"google.subject": "assertion.sub"}}, iss),
                            ("slash", good, iss + "/"), ("other", good, "https://oidc.example.com/cluster-b")):
    p = {"name": base + name, "displayName": name, "state": "ACTIVE", "disabled": False,
         "oidc": {"issuerUri": issuer, "allowedAudiences": ["aud-" + name]}}
    p.update(extra)
    json.dump(p, open("%s/%s.json" % (d, name), "w"))
EOF
P=projects/123/locations/global/workloadIdentityPools/pool/providers
up google "$GP" gcs_standin.py --go-client "$GO_GCS" --iam-go-client "$GO_IAM" --sa-key "$T_TMP/sa.json" \
	--provider "$T_TMP/good.json" --provider "$T_TMP/open.json" --provider "$T_TMP/slash.json" --provider "$T_TMP/other.json"
up google2 "$GP2" gcs_standin.py --go-client "$GO_GCS" --iam-go-client "$GO_IAM" --sa-key "$T_TMP/sa2.json" \
	--provider "$T_TMP/good.json" --iam-deny
export GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/sa.json" CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM="https://127.0.0.1:$GP/"
run "$SAOIDC" audit --issuer "$ISS" --gcp-provider "$P/good" --gcp-provider "$P/open" --gcp-provider "$P/slash" \
	--gcp-provider "$P/other"
is "$RC" 1 "audit --gcp-provider: exit 1 (a provider fails)"
contains "$OUT" "[ OK ] $P/good  (issuer $ISS)" "the issuer, google.subject from assertion.sub, a condition: OK"
contains "$OUT" "condition  assertion.sub.startsWith('system:serviceaccount:apps:')" "  its condition shown"
contains "$OUT" "[WARN] $P/open" "no attribute condition: WARN"
contains "$OUT" "every token the issuer signs" "  saying what that lets in"
contains "$OUT" "[FAIL] $P/slash  (issuer $ISS/)" "a trailing slash: FAIL"
contains "$OUT" "[WARN] $P/other" "another issuer's provider: WARN"
is "$(grep -c '"method": "iam.projects.locations.workloadIdentityPools.providers.get", "status": 200' "$T_TMP/google.log")" 4 \
	"four providers.get, each matched to the discovery method and answered (a token without cloud-platform is refused there)"
grep -q '"method": "oauth2.token(jwt-bearer)", "status": 200' "$T_TMP/google.log" && pass "the service account's JWT grant was verified" ||
	fail "the service account's JWT grant was verified" "$(cat "$T_TMP/google.log")"
refused "a provider IAM does not have: NOT_FOUND named" 1 "no such workload identity pool provider" \
	"$SAOIDC" audit --gcp-provider "$P/gone"
refused "a name that is not a provider's is a usage error" 2 "not a provider's full name" \
	"$SAOIDC" audit --gcp-provider "projects/123/locations/global/workloadIdentityPools/pool"
no_secret "$OUT$ERR" "PRIVATE KEY" "no key material in any output"
refused "a read IAM refuses names the permission" 1 "the credentials lack iam.workloadIdentityPoolProviders.get" \
	env GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/sa2.json" CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM="https://127.0.0.1:$GP2/" \
	"$SAOIDC" audit --gcp-provider "$P/good"
done_testing
