#!/bin/sh
# saoidc audit against the IAM stand-in (every signature checked with botocore's signer, IAM's
# XML): roles set up with botocore, one per verdict and finding, 150 more so that ListRoles
# pages, a role of another issuer, a provider no role trusts and a role trusting a provider the
# account does not have. Read-only: only List calls reach IAM.
. "$SRCDIR/tests/lib.sh"
/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip_all "python3-botocore is not installed"
export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDIAMTEST AWS_SECRET_ACCESS_KEY=iam-secret-key
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION 2>/dev/null
mkdir -p "$HOME"
start_iam iam --key AKIDIAMTEST:iam-secret-key --max-page 50
trap 'kill $IAM_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
export AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IAM_PORT"

# The account, made with botocore (the reference client), which also reads it back: its parser
# must find every role and decode each trust policy as IAM encodes it.
cat >"$T_TMP/setup.py" <<'PY'
import json, os, sys
import botocore.session
iam = botocore.session.get_session().create_client("iam", region_name="us-east-1",
                                                   endpoint_url=os.environ["AWS_ENDPOINT_URL_IAM"])
ACC = "123456789012"
for url in ("oidc.test/c", "oidc.other/x", "unused.example/z"):
    iam.create_open_id_connect_provider(Url="https://" + url, ClientIDList=["sts.amazonaws.com"],
                                       ThumbprintList=["0" * 40])
def trust(cond, provider="oidc.test/c"):
    st = {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::%s:oidc-provider/%s" % (ACC, provider)},
          "Action": "sts:AssumeRoleWithWebIdentity"}
    if cond:
        st["Condition"] = cond
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})
P = "oidc.test/c"
AUD = {P + ":aud": "sts.amazonaws.com"}
roles = {
    "ok-role": trust({"StringEquals": dict(AUD, **{P + ":sub": "system:serviceaccount:app:reader"})}),
    "ns-role": trust({"StringEquals": AUD, "StringLike": {P + ":sub": "system:serviceaccount:app:*"}}),
    "noaud-role": trust({"StringEquals": {P + ":sub": "system:serviceaccount:app:reader"}}),
    "open-role": trust({"StringEquals": AUD}),
    "star-role": trust({"StringEquals": AUD, "StringLike": {P + ":sub": "system:serviceaccount:*"}}),
    "anyns-role": trust({"StringEquals": AUD, "StringLike": {P + ":sub": "system:serviceaccount:*:reader"}}),
    "https-role": trust({"StringEquals": {"https://" + P + ":sub": "system:serviceaccount:app:reader",
                                          "https://" + P + ":aud": "sts.amazonaws.com"}}),
    "eqstar-role": trust({"StringEquals": dict(AUD, **{P + ":sub": "system:serviceaccount:app:*"})}),
    "other-role": trust({"StringEquals": {"oidc.other/x:sub": "system:serviceaccount:b:c",
                                          "oidc.other/x:aud": "sts.amazonaws.com"}}, "oidc.other/x"),
    "dangling-role": trust({"StringEquals": {"gone.example/y:sub": "system:serviceaccount:a:b"}}, "gone.example/y"),
}
for i in range(150):
    roles["filler-%03d" % i] = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
for name, doc in roles.items():
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
seen = {}
for page in iam.get_paginator("list_roles").paginate():
    for r in page["Roles"]:
        seen[r["RoleName"]] = r["AssumeRolePolicyDocument"]
assert len(seen) == len(roles), (len(seen), len(roles))
assert all(seen[n] == json.loads(d) for n, d in roles.items()), "botocore decodes the trust policies as written"
print("roles", len(seen))
PY
run /usr/bin/python3 "$T_TMP/setup.py"
is "$OUT" "roles 160" "botocore creates 160 roles and reads each trust policy back through ListRoles pages" 
[ "$RC" -eq 0 ] || echo "# $ERR"
: >"$T_TMP/iam.log"

# --issuer: only oidc.test/c's roles, one verdict each.
run "$SAOIDC" audit --issuer https://oidc.test/c
is "$RC" 1 "audit exits 1 when a role fails"
contains "$OUT" "8 roles: 5 fail, 2 warn, 1 ok" "8 roles trust oidc.test/c: 5 fail, 2 warn, 1 ok"
contains "$OUT" "[ OK ] arn:aws:iam::123456789012:role/ok-role" "ok-role is ok"
case "$OUT" in *other-role* | *filler-* | *dangling-role*) fail "roles of other providers are left out" "$OUT" ;; *) pass "roles of other providers are left out" ;; esac
contains "$OUT" "oidc-provider/oidc.test/c: trusted by 8 roles" "the provider and how many roles trust it"
for want in "open-role|no-sub-condition|1" "star-role|any-serviceaccount|1" "anyns-role|any-namespace|1" \
	"https-role|condition-key-mismatch|2" "https-role|no-sub-condition|0" "eqstar-role|wildcard-in-stringequals|1" \
	"ns-role|whole-namespace|1" "noaud-role|no-aud-condition|1" "ok-role|[a-z-]*|0"; do
	role=${want%%|*} rest=${want#*|} code=${rest%|*} n=${rest#*|}
	got=$(printf '%s\n' "$OUT" | awk -v r="role/$role " '$0 ~ r { on = 1; next } /^\[/ { on = 0 } on' | grep -c "^       $code: ")
	is "$got" "$n" "$role: $n finding(s) $code"
done

run "$SAOIDC" audit --issuer https://oidc.test/c --json
is "$RC" 1 "--json: exit 1 too"
printf '%s' "$OUT" >"$T_TMP/audit.json"
is "$(/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (x["role"], x["verdict"]) for x in r["roles"]))' "$T_TMP/audit.json")" \
	"anyns-role=fail eqstar-role=fail https-role=fail noaud-role=warn ns-role=warn ok-role=ok open-role=fail star-role=fail" \
	"--json: each role with its verdict"
is "$(/usr/bin/python3 -c '
import json, sys
r = {x["role"]: x for x in json.load(open(sys.argv[1]))["roles"]}
ok = r["ok-role"]
print(ok["provider"], ok["subjects"], ok["audiences"], ok["findings"], sorted(ok))' "$T_TMP/audit.json")" \
	"arn:aws:iam::123456789012:oidc-provider/oidc.test/c ['system:serviceaccount:app:reader'] ['sts.amazonaws.com'] [] ['arn', 'audiences', 'findings', 'provider', 'role', 'subjects', 'verdict']" \
	"--json: a role's provider, subjects, audiences and findings, as documented"

# The whole account: the other issuer's role, the unused provider, the dangling role.
run "$SAOIDC" audit
contains "$OUT" "[ OK ] arn:aws:iam::123456789012:role/other-role" "without --issuer: every provider's roles"
contains "$OUT" "oidc-provider/unused.example/z: trusted by 0 roles (a leftover, or not used yet)" "a provider no role trusts"
contains "$OUT" "role/dangling-role trusts arn:aws:iam::123456789012:oidc-provider/gone.example/y" "a role trusting a provider the account lacks"
run "$SAOIDC" audit --issuer https://oidc.other/x
is "$RC" 0 "an issuer whose roles are all ok: exit 0"
refused "an issuer without a provider is named, with the command that registers it" 1 \
	"saoidc register --issuer https://nope.example/q" "$SAOIDC" audit --issuer https://nope.example/q
refused "--issuer must be https" 2 "an issuer is an https:// URL" "$SAOIDC" audit --issuer http://oidc.test/c

# Read-only, and paged.
is "$(/usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["action"] for l in open(sys.argv[1])})))' "$T_TMP/iam.log")" \
	"ListOpenIDConnectProviders ListRoles" "audit calls IAM's List actions only: nothing is written"
lr=$(grep -c '"ListRoles"' "$T_TMP/iam.log")
ok "ListRoles is paged (160 roles, 50 a page: $lr calls in $(grep -c ListOpenIDConnectProviders "$T_TMP/iam.log") audits)" \
	test "$lr" -ge 16
done_testing
