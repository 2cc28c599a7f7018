#!/bin/sh
# AWS profiles as the AWS CLI reads them: role_arn with source_profile (chained through a
# credential_process profile too) or credential_source, external_id, role_session_name,
# duration_seconds; credential_process; the refusals (both sources, a loop, SSO, a failing
# process). Against an STS stand-in that checks every signature with botocore and validates
# the parameters against botocore's STS model, and compared with awscli on the same files:
# the same AssumeRole call (role, session name, external ID, duration, signed by the source's
# key), then GetCallerIdentity signed with the session (where the installed awscli can be
# pointed at a stand-in; see below). trust-policy aws without --account
# looks the account up that way.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
export HOME="$T_TMP/home" AWS_EC2_METADATA_DISABLED=true
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION \
	AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_ENDPOINT_URL AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
mkdir -p "$HOME/.aws"
ROLE=arn:aws:iam::123456789012:role/deployer
cat >"$HOME/.aws/credentials" <<'EOF2'
[base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = basesecret
EOF2
cat >"$HOME/.aws/config" <<EOF2
[profile assumed]
role_arn = $ROLE
source_profile = base
external_id = ext-42
role_session_name = ci-run
duration_seconds = 1800
region = us-east-1

[profile proc]
credential_process = /bin/sh -c 'printf "{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKIDBASE\\", \\"SecretAccessKey\\": \\"basesecret\\"}"'

[profile via-proc]
role_arn = $ROLE
source_profile = proc
external_id = ext-42
region = us-east-1

[profile env-source]
role_arn = $ROLE
credential_source = Environment
external_id = ext-42

[profile both]
role_arn = $ROLE
source_profile = base
credential_source = Environment

[profile loop-a]
role_arn = $ROLE
source_profile = loop-b

[profile loop-b]
role_arn = $ROLE
source_profile = loop-a

[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile sso-legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1

[profile proc-fails]
credential_process = /bin/sh -c 'echo "token expired, log in again" >&2; exit 3'

[profile long]
role_arn = $ROLE
source_profile = base
duration_seconds = 60
EOF2
SP=$(free_port)
/usr/bin/python3 "$HERE/sts_standin.py" --listen "$SP" --key AKIDBASE:basesecret --role-arn "$ROLE" --external-id ext-42 \
	--log "$T_TMP/sts.log" >"$T_TMP/sts.out" 2>&1 &
STSPID=$!
trap 'kill $STSPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/sts.out"
export AWS_ENDPOINT_URL_STS="http://127.0.0.1:$SP" AWS_ENDPOINT_URL_SSO="http://127.0.0.1:$SP"
calls() { /usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    p = r["params"]
    print(r["action"], r["status"], r["signer"], p.get("RoleArn", "-"), p.get("RoleSessionName", "-"), p.get("ExternalId", "-"), p.get("DurationSeconds", "-"))' "$T_TMP/sts.log"; }
TP="trust-policy aws --issuer https://oidc.example.com/c --namespace prod --service-account api"
# awscli is the reference only where it can be pointed at the stand-ins: AWS_ENDPOINT_URL_STS and
# _SSO are read by AWS CLI v2 from 2.13 and by v1 with botocore 1.31 (Debian 12's awscli is
# 2.9). Elsewhere its points are skipped, and saoidc's calls are compared with the ones awscli
# 1.45 (botocore 1.43) was seen to make on these same files, written out below.
AWSCLI_WHY=""
if ! command -v aws >/dev/null 2>&1; then
	AWSCLI_WHY="awscli is not installed"
else
	v=$(aws --version 2>&1)
	/usr/bin/python3 - "$v" <<'PY' || AWSCLI_WHY="$v does not read AWS_ENDPOINT_URL_STS"
import re, sys
v = sys.argv[1]
cli = re.search(r"aws-cli/(\d+)\.(\d+)", v)
core = re.search(r"botocore/(\d+)\.(\d+)", v)
ok = (cli and int(cli.group(1)) >= 2 and (int(cli.group(1)), int(cli.group(2))) >= (2, 13)) or \
     (core and (int(core.group(1)), int(core.group(2))) >= (1, 31))
sys.exit(0 if ok else 1)
PY
fi
# awscli_calls NAME EXPECTED PROFILE: runs awscli's get-caller-identity with the profile and sets
# AWSCLI to the calls it made (one point), or, without a usable awscli, skips that point and sets
# AWSCLI to EXPECTED.
awscli_calls() {
	if [ -n "$AWSCLI_WHY" ]; then
		skip "$1" "$AWSCLI_WHY"
		AWSCLI=$2
		return
	fi
	: >"$T_TMP/sts.log"
	run env AWS_PROFILE=$3 aws sts get-caller-identity --output text --query Account
	is "$OUT" 123456789012 "$1 ($ERR)"
	AWSCLI=$(calls | sed 's/ botocore-session-[0-9]* / SESSION /')
}
SESSION_CALL="GetCallerIdentity 200 ASIASTANDINEXAMPLE - - - -"

awscli_calls "awscli: the profile assumes the role" "AssumeRole 200 AKIDBASE $ROLE ci-run ext-42 1800
$SESSION_CALL" assumed
: >"$T_TMP/sts.log"
run env AWS_PROFILE=assumed "$SAOIDC" $TP
is "$RC" 0 "saoidc: the same profile works ($(printf %s "$ERR" | tail -n 1))"
contains "$ERR" "account 123456789012 (of arn:aws:sts::123456789012:assumed-role/deployer/session" "trust-policy without --account looks the account up"
contains "$OUT" '"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/c"' "and uses it in the policy"
is "$(calls)" "$AWSCLI" "saoidc makes awscli's calls: AssumeRole (role, session name, external ID, duration, signed by the source's key), then GetCallerIdentity signed with the session"
is "$(printf '%s\n' "$AWSCLI" | head -n 1)" "AssumeRole 200 AKIDBASE $ROLE ci-run ext-42 1800" "(that call, spelled out)"

# A role whose source is a credential_process profile: both assume it the same way.
awscli_calls "awscli: via-proc assumes the role" "AssumeRole 200 AKIDBASE $ROLE SESSION ext-42 -
$SESSION_CALL" via-proc
: >"$T_TMP/sts.log"
run env AWS_PROFILE=via-proc "$SAOIDC" $TP
is "$RC" 0 "saoidc: via-proc gets the role's credentials"
is "$(calls | sed 's/ saoidc-[0-9]* / SESSION /')" "$AWSCLI" "the same calls as awscli (session names aside: botocore-session-N, saoidc-N; no DurationSeconds unless the profile sets it)"
# credential_source Environment without the variables (with them, as in botocore with
# AWS_PROFILE, the environment's keys are used directly).
refused "credential_source Environment without AWS_ACCESS_KEY_ID is named" 1 "credential_source Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set" env AWS_PROFILE=env-source "$SAOIDC" $TP
: >"$T_TMP/sts.log"
run env AWS_PROFILE=proc "$SAOIDC" $TP
is "$RC" 0 "credential_process: its keys sign the call"
is "$(calls)" "GetCallerIdentity 200 AKIDBASE - - - -" "(GetCallerIdentity signed with the process's key)"

refused "role_arn with both source_profile and credential_source is refused" 1 "either source_profile or credential_source (it has both)" env AWS_PROFILE=both "$SAOIDC" $TP
refused "a source_profile loop is refused" 1 "more than 5 profiles chained by source_profile" env AWS_PROFILE=loop-a "$SAOIDC" $TP
# SSO: nothing in the CLI's cache yet, then a login (the cache file aws sso login writes), then
# an expired one.
refused "an SSO profile without a login says what to run" 1 "no SSO login in the AWS CLI's cache: run \`aws sso login --profile sso\`" env AWS_PROFILE=sso "$SAOIDC" $TP
sso_cache() { # KEY EXPIRES: the file aws sso login leaves, named by the SHA-1 of KEY
	mkdir -p "$HOME/.aws/sso/cache"
	/usr/bin/python3 -c 'import hashlib, json, sys; json.dump({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "sso-access-token", "expiresAt": sys.argv[2]}, open(sys.argv[3] + "/" + hashlib.sha1(sys.argv[1].encode()).hexdigest() + ".json", "w"))' "$1" "$2" "$HOME/.aws/sso/cache"
}
sso_cache corp 2099-01-01T00:00:00Z
sso_cache https://legacy.awsapps.com/start 2099-01-01T00:00:00Z
for p in sso sso-legacy; do
	awscli_calls "awscli: profile $p gets SSO role credentials" "GetRoleCredentials 200 None Admin 123456789012 - -
$SESSION_CALL" $p
	: >"$T_TMP/sts.log"
	run env AWS_PROFILE=$p "$SAOIDC" $TP
	is "$RC" 0 "saoidc: profile $p gets them from the same cached login"
	is "$(calls)" "$AWSCLI" "profile $p: the same calls as awscli (GetRoleCredentials for the role and account, then GetCallerIdentity signed with them)"
done
sso_cache corp 2020-01-01T00:00:00Z
refused "an expired SSO login says to log in again" 1 "the SSO login has expired: run \`aws sso login --profile sso\`" env AWS_PROFILE=sso "$SAOIDC" $TP
refused "a failing credential_process is named, with its exit status" 1 "profile proc-fails: credential_process failed (exit status 3)" env AWS_PROFILE=proc-fails "$SAOIDC" $TP
contains "$ERR" "token expired, log in again" "and the process's own message reaches the user"
refused "duration_seconds out of STS's range is refused before calling it" 1 "duration_seconds 60: STS takes 900 to 43200" env AWS_PROFILE=long "$SAOIDC" $TP
ok "no secret reached a message" sh -c "! grep -rq 'basesecret\|sessionsecretEXAMPLE\|FwoGZXIvYXdzEXAMPLETOKEN\|sso-access-token' '$T_TMP/.stdout' '$T_TMP/.stderr'"
done_testing
