#!/bin/sh
# saoidc migrate against the IAM stand-in (roles made and read back with botocore): the plan
# writes nothing; phase trust gives each role trusting OLD a twin statement for NEW and touches
# nothing else, and does nothing the second time; retire waits for its checks, refuses a role
# that would trust no issuer, then leaves only NEW. Both issuers are served over TLS from one
# web root (as a CDN in front of two prefixes would), and tokens naming either verify.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
/usr/bin/python3 -c 'import botocore, jwt' 2>/dev/null || skip_all "python3-botocore or python3-jwt missing"
export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDIAMTEST AWS_SECRET_ACCESS_KEY=iam-secret-key
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION 2>/dev/null
mkdir -p "$HOME"
start_iam iam --key AKIDIAMTEST:iam-secret-key
IAMPID=$IAM_PID
export AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IAM_PORT"
OLD=https://oidc.test/old NEW=https://oidc.test/new
C="$T_TMP/pki"
make_chain "$C" oidc.test
W="$T_TMP/www"
"$SAOIDC" render --issuer "$OLD" --key "$KEYS/demo-rsa.pub" --out "$W/old" 2>/dev/null
"$SAOIDC" render --issuer "$NEW" --key "$KEYS/demo-rsa.pub" --out "$W/new" 2>/dev/null
WP=$(free_port)
cat >"$T_TMP/www.py" <<'PY'
import functools, sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
sys.path.insert(0, sys.argv[4])
import testhttp
class H(SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), functools.partial(H, directory=sys.argv[2]))
testhttp.serve_tls(srv, sys.argv[3] + "/chain.pem", sys.argv[3] + "/leaf.key")
print("listening", flush=True)
srv.serve_forever()
PY
/usr/bin/python3 "$T_TMP/www.py" "$WP" "$W" "$C" "$HERE" >"$T_TMP/www.out" 2>&1 &
WWWPID=$!
trap 'kill $IAMPID $WWWPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/www.out"
NET="--connect-to 127.0.0.1:$WP --ca-file $C/root.pem"

cat >"$T_TMP/iam.py" <<'PY'
import json, os, sys
import botocore.session
iam = botocore.session.get_session().create_client("iam", region_name="us-east-1",
                                                   endpoint_url=os.environ["AWS_ENDPOINT_URL_IAM"])
A = "arn:aws:iam::123456789012:oidc-provider/"
def fed(url, cond, sid=None):
    st = {"Effect": "Allow", "Principal": {"Federated": A + url if isinstance(url, str) else [A + u for u in url]},
          "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}
    if sid:
        st["Sid"] = sid
    return st
def keyed(url, sub):
    return {"StringEquals": {url + ":sub": sub, url + ":aud": "sts.amazonaws.com"}}
EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
cmd = sys.argv[1]
if cmd == "setup":
    for url in ("oidc.test/old", "oidc.other/x"):
        iam.create_open_id_connect_provider(Url="https://" + url, ThumbprintList=["0" * 40],
                                            ClientIDList=["sts.amazonaws.com", "api://custom"] if url.endswith("old") else ["sts.amazonaws.com"])
    roles = {
        "app-role": [fed("oidc.test/old", keyed("oidc.test/old", "system:serviceaccount:app:api"), "Irsa")],
        "two-stmt-role": [fed("oidc.test/old", keyed("oidc.test/old", "system:serviceaccount:ops:job")), EC2],
        "multi-role": [fed(["oidc.test/old", "oidc.other/x"], {"StringEquals": {"oidc.test/old:aud": "sts.amazonaws.com"}})],
        "other-role": [fed("oidc.other/x", keyed("oidc.other/x", "system:serviceaccount:b:c"))],
    }
    for name, sts in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": sts}))
elif cmd == "dump":
    out = {}
    for page in iam.get_paginator("list_roles").paginate():
        for r in page["Roles"]:
            out[r["RoleName"]] = r["AssumeRolePolicyDocument"]["Statement"]
    out["providers"] = sorted(p["Arn"].split("/", 1)[1] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"])
    print(json.dumps(out, sort_keys=True))
elif cmd == "fix-multi":
    iam.update_assume_role_policy(RoleName="multi-role", PolicyDocument=json.dumps({"Version": "2012-10-17",
        "Statement": [fed("oidc.test/new", keyed("oidc.test/new", "system:serviceaccount:m:m"))]}))
PY
ok "botocore sets up OLD's provider and four roles" /usr/bin/python3 "$T_TMP/iam.py" setup
dump() { /usr/bin/python3 "$T_TMP/iam.py" dump; }
writes() { /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["action"] for l in open(sys.argv[1])} - {"ListOpenIDConnectProviders",
      "GetOpenIDConnectProvider", "ListRoles", "GetRole"})))' "$T_TMP/iam.log"; }
BEFORE=$(dump)

# The plan: read-only.
: >"$T_TMP/iam.log"
run "$SAOIDC" migrate --from "$OLD" --to "$NEW" --key "$KEYS/demo-rsa.pub" $NET
is "$RC" 0 "the plan exits 0"
contains "$OUT" "new provider: arn:aws:iam::123456789012:oidc-provider/oidc.test/new (to register)" "it names the provider to register"
contains "$OUT" "[add] arn:aws:iam::123456789012:role/app-role: gains [{\"Effect\":\"Allow\"" "app-role gains a statement"
contains "$OUT" '"oidc.test/new:sub":"system:serviceaccount:app:api"' "  keyed to NEW, with the same sub"
contains "$OUT" '"Sid":"IrsaToNew"' "  and a Sid of its own"
contains "$OUT" "[add] arn:aws:iam::123456789012:role/two-stmt-role" "two-stmt-role gains one too"
contains "$OUT" "[cannot] arn:aws:iam::123456789012:role/multi-role: statement 1 names several providers" "multi-role cannot be moved mechanically, saying why"
case "$OUT" in *other-role*) fail "a role of another issuer is left out" "$OUT" ;; *) pass "a role of another issuer is left out" ;; esac
contains "$OUT" "--service-account-issuer=$NEW --service-account-issuer=$OLD" "the kube-apiserver flags for the transition"
contains "$OUT" 'its client IDs: ["sts.amazonaws.com","api://custom"]' "NEW gets the old provider's audiences (a role on another audience keeps working)"
contains "$OUT" "$OLD and $NEW serve the same keys" "and what retire will check"
is "$(writes)" "" "the plan wrote nothing to IAM"

# Phase trust: refused while a role cannot be moved (nothing written); --force moves the others.
: >"$T_TMP/iam.log"
refused "phase trust refuses while a role cannot be moved, before any write" 1 "1 role cannot be moved mechanically" \
	"$SAOIDC" migrate --from "$OLD" --to "$NEW" --key "$KEYS/demo-rsa.pub" $NET --apply --phase trust
refused "and refuses a NEW that lacks a signing key" 1 "does not publish key $(kid_of "$KEYS/demo-ec256.pub")" \
	"$SAOIDC" migrate --from "$OLD" --to "$NEW" --key "$KEYS/demo-ec256.pub" $NET --apply --phase trust --force
is "$(writes)" "" "  neither wrote anything"
run "$SAOIDC" migrate --from "$OLD" --to "$NEW" --key "$KEYS/demo-rsa.pub" $NET --apply --phase trust --force
is "$RC" 0 "phase trust --force: done"
contains "$ERR" "created OpenID Connect provider arn:aws:iam::123456789012:oidc-provider/oidc.test/new" "  NEW is registered (said on stderr)"
contains "$ERR" "UpdateAssumeRolePolicy: app-role" "  each role's update is said"
is "$(writes)" "CreateOpenIDConnectProvider UpdateAssumeRolePolicy" "  the writes: the provider and the trust policies"
is "$(grep -c UpdateAssumeRolePolicy "$T_TMP/iam.log")" 2 "  two roles updated"
is "$(curl -s "http://127.0.0.1:$IAM_PORT/providers" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["arn:aws:iam::123456789012:oidc-provider/oidc.test/new"]["clients"])')" \
	"['sts.amazonaws.com', 'api://custom']" "  NEW is registered with the old provider's client IDs"
AFTER=$(dump)
printf '%s' "$BEFORE" >"$T_TMP/before.json"
printf '%s' "$AFTER" >"$T_TMP/after.json"
is "$(/usr/bin/python3 - "$T_TMP/before.json" "$T_TMP/after.json" <<'PY'
import json, sys
b, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
app = a["app-role"]
new = app[1]
print(len(app), app[0] == b["app-role"][0], new["Principal"]["Federated"].endswith("oidc-provider/oidc.test/new"),
      new["Condition"] == {"StringEquals": {"oidc.test/new:sub": "system:serviceaccount:app:api",
                                            "oidc.test/new:aud": "sts.amazonaws.com"}},
      a["two-stmt-role"][:2] == b["two-stmt-role"], len(a["two-stmt-role"]),
      a["multi-role"] == b["multi-role"], a["other-role"] == b["other-role"], a["providers"])
PY
)" "2 True True True True 3 True True ['oidc.other/x', 'oidc.test/new', 'oidc.test/old']" \
	"app-role keeps its statement and gains NEW's (same conditions); two-stmt-role keeps both of its own; multi-role and other-role untouched; NEW registered"
: >"$T_TMP/iam.log"
run "$SAOIDC" migrate --from "$OLD" --to "$NEW" --key "$KEYS/demo-rsa.pub" $NET --apply --phase trust --force
is "$RC $(writes)" "0 " "a second phase trust writes nothing"
contains "$OUT" "[present] arn:aws:iam::123456789012:role/app-role: already trusts the new provider" "  and says the roles already trust NEW"

# During the transition, tokens naming either issuer verify against the JWKS.
for iss in "$OLD" "$NEW"; do
	/usr/bin/python3 - "$KEYS/demo-rsa.key" "$iss" "$(kid_of "$KEYS/demo-rsa.pub")" >"$T_TMP/t.jwt" <<'PY'
import sys, time, jwt
now = int(time.time())
print(jwt.encode({"iss": sys.argv[2], "sub": "system:serviceaccount:app:api", "aud": ["sts.amazonaws.com"],
                  "iat": now, "nbf": now, "exp": now + 3600,
                  "kubernetes.io": {"namespace": "app", "serviceaccount": {"name": "api", "uid": "u"}}},
                 open(sys.argv[1]).read(), algorithm="RS256", headers={"kid": sys.argv[3]}))
PY
	run "$SAOIDC" token verify --jwks "$W/new/keys.json" --token "$T_TMP/t.jwt" --issuer "$iss"
	is "$RC" 0 "a token with iss $iss verifies during the transition"
done

# Phase retire: its checks, a role that would trust no issuer, then only NEW is left.
: >"$T_TMP/iam.log"
refused "retire without --switched-at is refused" 1 "give --switched-at TIME" \
	"$SAOIDC" migrate --from "$OLD" --to "$NEW" $NET --apply --phase retire
refused "retire before the longest token lifetime has passed is refused" 1 "may be valid for" \
	"$SAOIDC" migrate --from "$OLD" --to "$NEW" $NET --apply --phase retire --switched-at $(($(date +%s) - 3600)) --max-token-lifetime 2h
refused "retire refuses a role that would trust no issuer, by name" 1 "1 role cannot be retired" \
	"$SAOIDC" migrate --from "$OLD" --to "$NEW" $NET --apply --phase retire --switched-at $(($(date +%s) - 90000))
run "$SAOIDC" migrate --from "$OLD" --to "$NEW" $NET --phase retire --switched-at $(($(date +%s) - 90000))
contains "$OUT" "[remove] arn:aws:iam::123456789012:role/app-role: loses its statements trusting the old provider" "the retire plan names the roles that lose OLD's statements"
contains "$OUT" "[cannot] arn:aws:iam::123456789012:role/multi-role: it trusts only the old provider" "  the plan names it and why"
is "$(writes)" "" "  none of these wrote anything"
ok "(multi-role fixed by hand, with botocore)" /usr/bin/python3 "$T_TMP/iam.py" fix-multi
SW="$(date -u -d @$(($(date +%s) - 90000)) +%Y-%m-%dT%H:%M:%SZ)"
: >"$T_TMP/iam.log"
run "$SAOIDC" migrate --from "$OLD" --to "$NEW" $NET --apply --phase retire --switched-at "$SW" --dry-run
is "$RC $(writes)" "0 " "--dry-run with --apply: the plan only, nothing written"
"$SAOIDC" migrate --from "$OLD" --to "$NEW" $NET --apply --phase retire --switched-at "$SW" >"$T_TMP/both.out" 2>&1
RC=$?
is "$RC" 0 "phase retire: done"
ok "  the plan is printed before the first write (stdout flushed, then the writes on stderr)" awk '
	/\[remove\]/ && !p { p = NR } /UpdateAssumeRolePolicy:/ && !w { w = NR } END { exit !(p > 0 && w > p) }' "$T_TMP/both.out"
is "$(writes)" "DeleteOpenIDConnectProvider UpdateAssumeRolePolicy" "  the writes: the trust policies, then OLD's provider"
printf '%s' "$(dump)" >"$T_TMP/final.json"
is "$(/usr/bin/python3 - "$T_TMP/after.json" "$T_TMP/final.json" <<'PY'
import json, sys
a, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
feds = lambda sts: sorted(s["Principal"].get("Federated", s["Principal"].get("Service")).rsplit("/", 1)[-1] for s in sts)
print(feds(f["app-role"]), feds(f["two-stmt-role"]), f["other-role"] == a["other-role"], f["providers"])
PY
)" "['new'] ['ec2.amazonaws.com', 'new'] True ['oidc.other/x', 'oidc.test/new']" \
	"only NEW's statements are left (and the ec2 one), other-role untouched, OLD's provider gone"
# Several accounts: two roles assumed through the STS stand-in, each account its own IAM state
# (the IAM stand-in knows each session's key and its account); one role that cannot be assumed.
SP=$(free_port)
RA=arn:aws:iam::111111111111:role/saoidc-a RB=arn:aws:iam::222222222222:role/saoidc-b
/usr/bin/python3 "$HERE/sts_standin.py" --listen "$SP" --key AKIDBASE:basesecret --role-arn "$RA" --role-arn "$RB" \
	--log "$T_TMP/sts.log" >"$T_TMP/sts.out" 2>&1 &
STSPID=$!
start_iam iam2 --key ASIASTANDINEXAMPLE:sessionsecretEXAMPLE:111111111111 \
	--key ASIASTANDIN1EXAMPLE:sessionsecret1EXAMPLE:222222222222
IAM2PID=$IAM_PID I2=$IAM_PORT
trap 'kill $IAMPID $WWWPID $STSPID $IAM2PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/sts.out"
export AWS_ENDPOINT_URL_STS="http://127.0.0.1:$SP" AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$I2"
export AWS_ACCESS_KEY_ID=AKIDBASE AWS_SECRET_ACCESS_KEY=basesecret
run "$SAOIDC" register --issuer "$OLD" --thumbprint none --assume-role "$RA" --assume-role "$RB"
is "$RC" 0 "register in two accounts through two assumed roles"
is "$OUT" "arn:aws:iam::111111111111:oidc-provider/oidc.test/old
arn:aws:iam::222222222222:oidc-provider/oidc.test/old" "  one provider ARN per account, in order"
contains "$ERR" "role $RA: done" "  each account's line on stderr"
is "$(/usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(l["account"] for l in map(json.loads, open(sys.argv[1])) if l["action"] == "CreateOpenIDConnectProvider")))' "$T_TMP/iam2.log")" \
	"111111111111 222222222222" "  each provider created in its own account"
for acct in 111111111111 222222222222; do
	AK=ASIASTANDINEXAMPLE SK=sessionsecretEXAMPLE
	[ "$acct" = 222222222222 ] && AK=ASIASTANDIN1EXAMPLE SK=sessionsecret1EXAMPLE
	AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK /usr/bin/python3 -c '
import json, os, sys, botocore.session
iam = botocore.session.get_session().create_client("iam", region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL_IAM"])
u = "oidc.test/old"
iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::%s:oidc-provider/%s" % (sys.argv[1], u)}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {u + ":sub": "system:serviceaccount:a:b", u + ":aud": "sts.amazonaws.com"}}}]}))' "$acct"
done
: >"$T_TMP/iam2.log"
run "$SAOIDC" migrate --from "$OLD" --to "$NEW" --key "$KEYS/demo-rsa.pub" $NET --apply --phase trust \
	--assume-role "$RA" --assume-role arn:aws:iam::333333333333:role/nope --assume-role "$RB"
is "$RC" 1 "migrate in three accounts, one of which cannot be reached: exit 1"
contains "$OUT" "== role $RA" "  a heading per account"
contains "$OUT" "[add] arn:aws:iam::222222222222:role/app" "  the second account's role is moved too (the failure did not stop it)"
contains "$ERR" "role arn:aws:iam::333333333333:role/nope: FAILED" "  the failing account is named"
contains "$ERR" "1 of 3 accounts failed" "  and counted"
is "$(/usr/bin/python3 -c '
import json, sys
print(" ".join(sorted("%s:%s" % (l["account"], l["action"]) for l in map(json.loads, open(sys.argv[1]))
      if l["action"] in ("CreateOpenIDConnectProvider", "UpdateAssumeRolePolicy"))))' "$T_TMP/iam2.log")" \
	"111111111111:CreateOpenIDConnectProvider 111111111111:UpdateAssumeRolePolicy 222222222222:CreateOpenIDConnectProvider 222222222222:UpdateAssumeRolePolicy" \
	"  NEW registered and the role updated in each reachable account"
run "$SAOIDC" trust-policy aws --issuer "$NEW" --namespace a --service-account b --create-role irsa-b \
	--assume-role "$RA" --assume-role "$RB"
is "$RC" 0 "trust-policy --create-role in two accounts"
contains "$OUT" '"Federated": "arn:aws:iam::111111111111:oidc-provider/oidc.test/new"' "  the first account's policy names its own provider"
contains "$OUT" '"Federated": "arn:aws:iam::222222222222:oidc-provider/oidc.test/new"' "  and the second's its own"
contains "$OUT" "arn:aws:iam::222222222222:role/irsa-b" "  each role's ARN is printed"
refused "--assume-role is for aws" 2 "--assume-role and --profile are for aws" \
	"$SAOIDC" trust-policy azure --issuer "$NEW" --namespace a --service-account b --assume-role "$RA"
refused "--from and --to must differ" 2 "the same issuer" "$SAOIDC" migrate --from "$NEW" --to "$NEW"
refused "--phase is trust or retire" 2 "--phase is trust or retire" "$SAOIDC" migrate --from "$OLD" --to "$NEW" --phase later
done_testing
