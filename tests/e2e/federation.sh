#!/bin/sh
# trust-policy for AWS, Azure and GCP, and pod-patch: parsed and checked field by field; the AWS
# policy's conditions evaluated against tokens' claims as IAM would.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is not installed"
ISS=https://oidc.example.com/cluster-1
field() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

run "$SAOIDC" trust-policy aws --issuer "$ISS" --account 123456789012 --namespace prod --service-account api
is "$RC" 0 "trust-policy aws"
printf '%s' "$OUT" >"$T_TMP/p1.json"
is "$(field 'd["Statement"][0]["Principal"]["Federated"]' <"$T_TMP/p1.json")" "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-1" "the principal is the provider ARN"
is "$(field 'd["Statement"][0]["Condition"]["StringEquals"]["oidc.example.com/cluster-1:sub"]' <"$T_TMP/p1.json")" "system:serviceaccount:prod:api" "StringEquals on :sub"
is "$(field 'd["Statement"][0]["Condition"]["StringEquals"]["oidc.example.com/cluster-1:aud"]' <"$T_TMP/p1.json")" "sts.amazonaws.com" "StringEquals on :aud"
ev() { /usr/bin/python3 "$HERE/iam_condition.py" "$1" "$ISS" "$2" "$3" 123456789012; }
is "$(ev "$T_TMP/p1.json" system:serviceaccount:prod:api sts.amazonaws.com)" allow "IAM would let prod/api's token assume the role"
is "$(ev "$T_TMP/p1.json" system:serviceaccount:prod:other sts.amazonaws.com)" deny "but not another service account's"
is "$(ev "$T_TMP/p1.json" system:serviceaccount:prod:api api://other)" deny "nor a token for another audience"
run "$SAOIDC" trust-policy aws --issuer "$ISS" --account 123456789012 --namespace prod --namespace staging --service-account '*'
printf '%s' "$OUT" >"$T_TMP/p2.json"
contains "$OUT" '"StringLike"' "several namespaces or '*' switch to StringLike"
is "$(ev "$T_TMP/p2.json" system:serviceaccount:staging:anything sts.amazonaws.com)" allow "any service account of staging is allowed"
is "$(ev "$T_TMP/p2.json" system:serviceaccount:kube-system:anything sts.amazonaws.com)" deny "other namespaces are not"
is "$(ev "$T_TMP/p2.json" system:serviceaccount:prod:x api://other)" deny "and the audience is still exact"
# --create-role through the IAM emulator (SigV4 checked by botocore).
if /usr/bin/python3 -c 'import botocore' 2>/dev/null; then
	IP=$(free_port)
	/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$IP" --key AKIDROLE:rolesecret --log "$T_TMP/iam.log" >"$T_TMP/iam.out" 2>&1 &
	IAMPID=$!
	trap 'kill $IAMPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
	wait_for grep -q listening "$T_TMP/iam.out"
	export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDROLE AWS_SECRET_ACCESS_KEY=rolesecret AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/"
	actions() { sed 's/.*"action": "\([A-Za-z]*\)".*/\1/' "$T_TMP/iam.log" | tr '\n' ' '; }
	TP="trust-policy aws --issuer $ISS --account 123456789012 --namespace prod --service-account api --create-role irsa-api"
	run "$SAOIDC" $TP --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
	is "$RC" 0 "--create-role creates the role"
	is "$(actions)" "GetRole CreateRole ListAttachedRolePolicies AttachRolePolicy " "get, create, list, attach"
	contains "$ERR" "role arn:aws:iam::123456789012:role/irsa-api" "and names it"
	is "$(printf '%s\n' "$OUT" | tail -n 1)" "arn:aws:iam::123456789012:role/irsa-api" "the role ARN is the last line on stdout, for scripts"
	is "$(curl -s "http://127.0.0.1:$IP/roles" | /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin)['irsa-api']; print(json.loads(r['trust']) == json.load(open(sys.argv[1])), r['attached'])" "$T_TMP/p1.json")" "True ['arn:aws:iam::aws:policy/ReadOnlyAccess']" "the role trusts exactly the printed policy and has the policy attached"
	: >"$T_TMP/iam.log"
	run "$SAOIDC" $TP --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
	is "$(actions)" "GetRole ListAttachedRolePolicies " "a second run changes nothing"
	: >"$T_TMP/iam.log"
	W="trust-policy aws --issuer $ISS --account 123456789012 --namespace prod --service-account worker --create-role irsa-api"
	run "$SAOIDC" $W --dry-run
	is "$(actions)" "GetRole " "--dry-run on an existing role only reads it"
	contains "$ERR" "role irsa-api: would add 1 statement to its trust policy (its other statements stay" "  and says what it would add"
	: >"$T_TMP/iam.log"
	run "$SAOIDC" $W
	is "$(actions)" "GetRole UpdateAssumeRolePolicy " "another service account on an existing role: one update"
	contains "$ERR" "role irsa-api: adding 1 statement to its trust policy" "  said before it is made"
	is "$(grep -c '"signed": true' "$T_TMP/iam.log")" 2 "every call was signed as botocore expects"
	subs() { curl -s "http://127.0.0.1:$IP/roles" | /usr/bin/python3 -c "
import json, sys
t = json.loads(json.load(sys.stdin)['irsa-api']['trust'])
print(sorted(v for s in t['Statement'] for c in s['Condition'].values() for k, v in c.items() if k.endswith(':sub')))"; }
	is "$(subs)" "['system:serviceaccount:prod:api', 'system:serviceaccount:prod:worker']" "  the role trusts both: the first service account keeps the role"
	: >"$T_TMP/iam.log"
	run "$SAOIDC" $W --replace-trust
	contains "$ERR" "role irsa-api: replacing its trust policy by the one printed (1 of its statements go" "--replace-trust says what goes"
	is "$(subs)" "['system:serviceaccount:prod:worker']" "  and makes it exactly the printed policy"
fi

refused "a bad account ID is refused" 1 "not a 12-digit AWS account ID" "$SAOIDC" trust-policy aws --issuer "$ISS" --account 42 --namespace a --service-account b
refused "a missing namespace is a usage error" 2 "--namespace and --service-account are required" "$SAOIDC" trust-policy aws --issuer "$ISS" --account 123456789012 --service-account b
refused "an unknown cloud is a usage error" 2 "aws, azure or gcp" "$SAOIDC" trust-policy ibm --issuer "$ISS" --namespace a --service-account b

run "$SAOIDC" trust-policy azure --issuer "$ISS" --namespace prod --service-account api --identity-name id-api --resource-group rg1
is "$RC" 0 "trust-policy azure"
printf '%s' "$OUT" >"$T_TMP/az.json"
is "$(field 'd["issuer"]' <"$T_TMP/az.json") $(field 'd["subject"]' <"$T_TMP/az.json") $(field 'd["audiences"]' <"$T_TMP/az.json")" "$ISS system:serviceaccount:prod:api ['api://AzureADTokenExchange']" "issuer, subject and audience of the federated credential"
contains "$ERR" "az identity federated-credential create --name saoidc-prod-api --identity-name id-api --resource-group rg1 --issuer $ISS --subject system:serviceaccount:prod:api --audiences api://AzureADTokenExchange" "and the az command"
case "$ERR" in *'\x0a'*) fail "the az command has no escaped newline in it (it could not be pasted)" "$ERR" ;; *) pass "the az command has no escaped newline in it (it could not be pasted)" ;; esac
is "$(printf '%s\n' "$ERR" | grep -c '^saoidc:   az identity federated-credential create ')" 1 "it is a line of its own, ready to paste"

run "$SAOIDC" trust-policy gcp --issuer "$ISS" --project-number 123456 --pool pool1 --provider prov1 --service-account-email app@p.iam.gserviceaccount.com --namespace prod --service-account api
is "$RC" 0 "trust-policy gcp"
printf '%s' "$OUT" >"$T_TMP/gcp.json"
is "$(field 'd["type"]' <"$T_TMP/gcp.json")" external_account "an external_account credential config"
is "$(field 'd["audience"]' <"$T_TMP/gcp.json")" "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool1/providers/prov1" "with the provider audience"
is "$(field 'd["subject_token_type"]' <"$T_TMP/gcp.json") $(field 'd["token_url"]' <"$T_TMP/gcp.json")" "urn:ietf:params:oauth:token-type:jwt https://sts.googleapis.com/v1/token" "subject token type and token URL"
is "$(field 'd["credential_source"]["file"]' <"$T_TMP/gcp.json")" /var/run/secrets/tokens/gcp/token "reading the projected token pod-patch mounts"
contains "$(field 'd["service_account_impersonation_url"]' <"$T_TMP/gcp.json")" "serviceAccounts/app@p.iam.gserviceaccount.com:generateAccessToken" "impersonating the service account"
contains "$ERR" "--jwk-json-path=jwks.json" "the gcloud commands include the variant that uploads the JWKS"
is "$(printf '%s\n' "$ERR" | grep -c '^saoidc:   gcloud iam ')" 3 "each gcloud command is a line of its own (no escaped newline), ready to paste"
contains "$ERR" "subject/system:serviceaccount:prod:api" "and the IAM binding for the service account"

# pod-patch, parsed as YAML.
y() { /usr/bin/python3 -c "import yaml,sys; d=yaml.safe_load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
run "$SAOIDC" pod-patch --cloud aws --service-account api --role-arn arn:aws:iam::123456789012:role/api --container web --regional-sts --region eu-west-1
is "$RC" 0 "pod-patch aws"
printf '%s' "$OUT" >"$T_TMP/aws.yaml"
s='d["spec"]["template"]["spec"]'
is "$(y "$s[\"serviceAccountName\"], $s[\"containers\"][0][\"name\"]" <"$T_TMP/aws.yaml")" "('api', 'web')" "the service account and the container"
is "$(y "{e['name']: e['value'] for e in $s['containers'][0]['env']}" <"$T_TMP/aws.yaml")" "{'AWS_STS_REGIONAL_ENDPOINTS': 'regional', 'AWS_DEFAULT_REGION': 'eu-west-1', 'AWS_REGION': 'eu-west-1', 'AWS_ROLE_ARN': 'arn:aws:iam::123456789012:role/api', 'AWS_WEB_IDENTITY_TOKEN_FILE': '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'}" "the EKS webhook's env vars, in its order"
is "$(y "$s['containers'][0]['volumeMounts']" <"$T_TMP/aws.yaml")" "[{'name': 'aws-iam-token', 'readOnly': True, 'mountPath': '/var/run/secrets/eks.amazonaws.com/serviceaccount'}]" "its read-only mount"
is "$(y "$s['volumes']" <"$T_TMP/aws.yaml")" "[{'name': 'aws-iam-token', 'projected': {'sources': [{'serviceAccountToken': {'audience': 'sts.amazonaws.com', 'expirationSeconds': 86400, 'path': 'token'}}]}}]" "and its projected token volume"
run "$SAOIDC" pod-patch --cloud azure --kind pod --service-account api --client-id c1 --tenant-id t1 --container app
is "$(y "sorted(e['name'] for e in d['spec']['containers'][0]['env'])" <<EOF2
$OUT
EOF2
)" "['AZURE_AUTHORITY_HOST', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_TENANT_ID']" "pod-patch azure: the Azure webhook's env vars, on a Pod"
contains "$OUT" '"api://AzureADTokenExchange"' "with the Azure audience"
run "$SAOIDC" pod-patch --cloud gcp --service-account api --project-number 123456 --pool pool1 --provider prov1 --config-map gcp-cred --container app
contains "$OUT" '"//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool1/providers/prov1"' "pod-patch gcp: the token's audience is the provider"
contains "$OUT" 'name: "gcp-cred"' "and the credential config comes from the ConfigMap"
refused "pod-patch aws without --role-arn is a usage error" 2 "needs --role-arn" "$SAOIDC" pod-patch --cloud aws --service-account api
refused "an expiration out of bounds is refused" 2 "600 to 86400" "$SAOIDC" pod-patch --cloud aws --service-account api --role-arn arn:aws:iam::1:role/x --expiration 60 --container app
refused "without -f or --container, pod-patch does not invent a container" 2 "give the workload (-f FILE" "$SAOIDC" pod-patch --cloud aws --service-account api --role-arn arn:aws:iam::1:role/x

# pod-patch -f: the workload as kubectl prints it; applied with kubectl's own strategic merge
# (offline, --local), a container's own AWS_REGION and AWS_ROLE_ARN survive and init
# containers are patched too.
cat >"$T_TMP/dep.json" <<'EOF2'
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"initContainers":[{"name":"migrate","image":"m"}],"containers":[{"name":"web","image":"w","env":[{"name":"AWS_REGION","value":"eu-central-1"}]},{"name":"proxy","image":"p","env":[{"name":"AWS_ROLE_ARN","value":"arn:aws:iam::123456789012:role/own"}]}]}}}}
EOF2
run "$SAOIDC" pod-patch --cloud aws --service-account api -f "$T_TMP/dep.json" --role-arn arn:aws:iam::123456789012:role/api --region eu-west-1
is "$RC" 0 "pod-patch -f reads a Deployment"
printf '%s\n' "$OUT" >"$T_TMP/dep-patch.yaml"
if command -v kubectl >/dev/null 2>&1; then
	kubectl patch --local -f "$T_TMP/dep.json" --type strategic --patch-file "$T_TMP/dep-patch.yaml" -o json >"$T_TMP/patched.json" 2>"$T_TMP/kubectl.err"
	is "$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["spec"]["template"]["spec"]
def env(c): return {e["name"]: e["value"] for e in c.get("env", [])}
out = []
for l in ("initContainers", "containers"):
    for c in s[l]:
        e = env(c)
        out.append("%s:%s:%s:%s" % (c["name"], e.get("AWS_REGION"), e.get("AWS_ROLE_ARN", "-").split("/")[-1], [m["name"] for m in c.get("volumeMounts", [])] == ["aws-iam-token"]))
print(" ".join(out), s["serviceAccountName"], [v["name"] for v in s["volumes"]])' "$T_TMP/patched.json" 2>&1)" \
		"migrate:eu-west-1:api:True web:eu-central-1:api:True proxy:eu-west-1:own:True api ['aws-iam-token']" \
		"kubectl's strategic merge of it: init containers patched, each container's own AWS_REGION / AWS_ROLE_ARN kept"
else
	skip "kubectl's strategic merge of it" "kubectl is not installed"
fi
run "$SAOIDC" pod-patch --cloud aws --service-account api -f "$T_TMP/dep.json" --container web --role-arn arn:aws:iam::123456789012:role/api
is "$(printf '%s\n' "$OUT" | grep -c 'name: "proxy"\|name: "migrate"')" 0 "with --container, only those containers"
printf '{"kind":"Service","spec":{}}' >"$T_TMP/svc.json"
refused "a kind without a pod spec is named" 1 "kind Service: expected a Pod, Deployment" "$SAOIDC" pod-patch --cloud aws --service-account api -f "$T_TMP/svc.json" --role-arn arn:aws:iam::1:role/x
# YAML, as `kubectl get -o yaml` prints it, gives the same patch as the JSON.
/usr/bin/python3 -c 'import json,sys,yaml; yaml.safe_dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), default_flow_style=False)' "$T_TMP/dep.json" "$T_TMP/dep.yaml"
run "$SAOIDC" pod-patch --cloud aws --service-account api -f "$T_TMP/dep.yaml" --role-arn arn:aws:iam::123456789012:role/api --region eu-west-1
is "$RC $OUT" "0 $(cat "$T_TMP/dep-patch.yaml")" "pod-patch -f reads the workload in YAML too, to the same patch"
printf 'kind: [unclosed\n' >"$T_TMP/bad.yaml"
refused "YAML that does not parse is named" 1 "-f $T_TMP/bad.yaml: not YAML" "$SAOIDC" pod-patch --cloud aws --service-account api -f "$T_TMP/bad.yaml" --role-arn arn:aws:iam::1:role/x
contains "$(run "$SAOIDC" pod-patch --cloud aws --service-account api -f "$T_TMP/dep.json" --role-arn arn:aws:iam::123456789012:role/api; printf %s "$ERR")" "runs as ServiceAccount default: the patch sets serviceAccountName api" "a workload on the default ServiceAccount: the patch says it sets one"
# A workload that runs as another ServiceAccount is not moved to --service-account silently.
sed 's/"spec":{"initContainers"/"spec":{"serviceAccountName":"reader","initContainers"/' "$T_TMP/dep.json" >"$T_TMP/reader.json"
refused "a workload running as ServiceAccount reader is not moved to other" 1 "runs as ServiceAccount reader, not other" "$SAOIDC" pod-patch --cloud aws --service-account other -f "$T_TMP/reader.json" --role-arn arn:aws:iam::1:role/x
run "$SAOIDC" pod-patch --cloud aws --service-account reader -f "$T_TMP/reader.json" --role-arn arn:aws:iam::123456789012:role/api
is "$RC" 0 "--service-account reader: the identity for the workload's own ServiceAccount"
contains "$OUT" 'serviceAccountName: "reader"' "which the patch keeps"
run "$SAOIDC" pod-patch --cloud aws --service-account other -f "$T_TMP/reader.json" --role-arn arn:aws:iam::123456789012:role/api --replace-service-account
is "$RC" 0 "--replace-service-account moves it on purpose"
contains "$ERR" "serviceAccountName reader is replaced by other" "and says so"
done_testing
