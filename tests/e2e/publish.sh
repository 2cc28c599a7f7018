#!/bin/sh
# saoidc publish against s3rver (a real S3-compatible server) behind a loopback proxy that
# checks every SigV4 signature with python3-botocore; read back with Debian's awscli.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
[ -x "$HERE/node_modules/.bin/s3rver" ] || skip_all "s3rver missing: run 'npm ci' in tests/interop (dev.sh test does)"
/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip_all "python3-botocore is not installed"
SP=$(free_port); PP=$(free_port); AP=$(free_port)
mkdir -p "$T_TMP/s3data"
"$HERE/node_modules/.bin/s3rver" -d "$T_TMP/s3data" -a 127.0.0.1 -p "$SP" --silent --allow-mismatched-signatures \
	--configure-bucket saoidc-test >"$T_TMP/s3rver.log" 2>&1 &
S3PID=$!
/usr/bin/python3 "$HERE/sigv4_proxy.py" --listen "$PP" --upstream "http://127.0.0.1:$SP" --log "$T_TMP/proxy.log" --key S3RVER:S3RVER >"$T_TMP/proxy.out" 2>&1 &
PXPID=$!
/usr/bin/python3 "$HERE/sigv4_proxy.py" --listen "$AP" --upstream "http://127.0.0.1:$SP" --log "$T_TMP/acl.log" --key S3RVER:S3RVER --acl-disabled >"$T_TMP/acl.out" 2>&1 &
ACLPID=$!
trap 'kill $S3PID $PXPID $ACLPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for curl -s "http://127.0.0.1:$SP/" || { fail "s3rver started" "$(cat "$T_TMP/s3rver.log")"; done_testing; exit 1; }
wait_for grep -q listening "$T_TMP/proxy.out"
wait_for grep -q listening "$T_TMP/acl.out"

# Never reach for the real instance metadata address: only the loopback emulator below.
export AWS_EC2_METADATA_DISABLED=true
export HOME="$T_TMP/home" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE 2>/dev/null
mkdir -p "$HOME"
ISS=https://saoidc-test.s3.us-east-1.amazonaws.com/cluster-1
# PUTs of the documents (the retention state, .saoidc/retention.json, is counted apart)
puts() { grep '"method": "PUT"' "$1" 2>/dev/null | grep -vc '/\.saoidc/' || true; }
awsc() { aws --endpoint-url "http://127.0.0.1:$PP" "$@"; }

run "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/cluster-1
is "$RC" 0 "publish exits 0"
is "$OUT" "$ISS" "prints the virtual-hosted issuer on stdout"
contains "$ERR" "uploaded" "says what it uploaded"
is "$(puts "$T_TMP/proxy.log")" 2 "two objects were PUT"
is "$(grep -c '"signed": false' "$T_TMP/proxy.log")" 0 "botocore verified every signature"
is "$(grep '"method": "PUT"' "$T_TMP/proxy.log" | grep -c '"acl": "public-read"')" 2 "both PUTs carry x-amz-acl: public-read"
is "$(sed -n 's/.*"method": "PUT", "path": "\([^"]*\)".*/\1/p' "$T_TMP/proxy.log" | grep -v '/\.saoidc/' | head -1)" "/saoidc-test/cluster-1/keys.json" "the JWKS is uploaded first"

# Read back with awscli (which signs too, so the proxy checks a second implementation).
is "$(awsc s3 cp s3://saoidc-test/cluster-1/keys.json - 2>/dev/null)" "$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")" "awscli reads back the JWKS"
is "$(awsc s3 cp s3://saoidc-test/cluster-1/.well-known/openid-configuration - 2>/dev/null)" "$("$SAOIDC" discovery --issuer "$ISS" --key "$KEYS/demo-rsa.pub")" "awscli reads back the discovery document"
H=$(awsc s3api head-object --bucket saoidc-test --key cluster-1/keys.json 2>&1)
contains "$H" '"ContentType": "application/jwk-set+json"' "the JWKS has its Content-Type"
contains "$H" '"CacheControl": "public, max-age=3600"' "and a Cache-Control"

# Idempotence.
: >"$T_TMP/proxy.log"
run "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/cluster-1
is "$RC" 0 "re-publish exits 0"
is "$(puts "$T_TMP/proxy.log")" 0 "re-publish uploads nothing"
contains "$ERR" "already up to date" "and says so"
: >"$T_TMP/proxy.log"
run "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --force s3://saoidc-test/cluster-1
is "$(puts "$T_TMP/proxy.log")" 2 "--force uploads again"
: >"$T_TMP/proxy.log"
run "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec256.pub" s3://saoidc-test/cluster-1
is "$(puts "$T_TMP/proxy.log")" 2 "a new key uploads the JWKS and the discovery document (new alg)"
: >"$T_TMP/proxy.log"
run "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec256.key" --cache-control "public, max-age=60" s3://saoidc-test/cluster-1
is "$(puts "$T_TMP/proxy.log")" 2 "a changed Cache-Control uploads again"

# Session token.
: >"$T_TMP/proxy.log"
AWS_SESSION_TOKEN=session-token-value-xyz run "$SAOIDC" publish --key "$KEYS/demo-ec384.pub" --force s3://saoidc-test/tok
is "$RC" 0 "publish with a session token"
is "$(grep '"method": "PUT"' "$T_TMP/proxy.log" | grep -v '/\.saoidc/' | grep -c '"token": true, "status": 200')" 2 "every request carried the signed session token (--force: two PUTs)"
is "$(grep -c '"token": false' "$T_TMP/proxy.log")" 0 "the state's reads too"

# Profile credentials.
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n\n[ci]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$HOME/.aws/credentials"
printf '[profile ci]\nregion = us-east-1\n[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = ci\n' >"$HOME/.aws/config"
: >"$T_TMP/proxy.log"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION AWS_PROFILE=ci "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --force s3://saoidc-test/profile
is "$RC" 0 "credentials and region from AWS_PROFILE"
contains "$ERR" "credentials from profile ci" "names the credential source"
is "$(grep -c '"signed": true, "why": "ok", "acl": "public-read", "token": false, "status": 200' "$T_TMP/proxy.log")" 2 "signed with the profile's key (env credentials unset)"
refused "a role_arn profile assumes the role through STS, and an STS failure names the profile and role" 1 "profile assume (role_arn arn:aws:iam::123456789012:role/x, from profile ci)" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=assume AWS_ENDPOINT_URL_STS=http://127.0.0.1:1 "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x
refused "a missing AWS_PROFILE is a clear error" 1 "AWS_PROFILE is missing, but no such profile" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=missing "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x
refused "no credentials at all is a clear error" 1 "no AWS credentials found" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE HOME="$T_TMP/empty-home" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x

# Web identity, container and instance-metadata credentials, from local endpoints.
CP=$(free_port)
printf 'eyJhbGciOiJSUzI1NiJ9.projected-token.sig\n' >"$T_TMP/web-token"
/usr/bin/python3 "$HERE/aws_cred_endpoints.py" --listen "$CP" --role-arn arn:aws:iam::123456789012:role/publisher \
	--token-file "$T_TMP/web-token" --container-auth "Bearer pod-identity-token" --creds S3RVER:S3RVER --log "$T_TMP/cred.log" >"$T_TMP/cred.out" 2>&1 &
CREDPID=$!
trap 'kill $S3PID $PXPID $ACLPID $CREDPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/cred.out"
NOENV="env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE HOME=$T_TMP/empty-home"
: >"$T_TMP/proxy.log"
run $NOENV AWS_ROLE_ARN=arn:aws:iam::123456789012:role/publisher AWS_WEB_IDENTITY_TOKEN_FILE="$T_TMP/web-token" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$CP/" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --force s3://saoidc-test/webid
is "$RC" 0 "web identity credentials (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE via STS)"
contains "$ERR" "credentials from web identity (arn:aws:iam::123456789012:role/publisher)" "names the source"
is "$(grep -c '"signed": true, "why": "ok", "acl": "public-read", "token": true, "status": 200' "$T_TMP/proxy.log")" 2 "uploads signed with the STS session credentials"
printf 'wrong-token\n' >"$T_TMP/bad-token"
refused "a web identity token STS refuses is explained" 1 "InvalidIdentityToken" $NOENV AWS_ROLE_ARN=arn:aws:iam::123456789012:role/publisher AWS_WEB_IDENTITY_TOKEN_FILE="$T_TMP/bad-token" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$CP/" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/webid
case "$ERR" in *wrong-token*) fail "the web identity token is not echoed" ;; *) pass "the web identity token is not echoed" ;; esac
refused "AWS_ROLE_ARN alone is refused" 1 "needs both AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE" $NOENV AWS_ROLE_ARN=arn:aws:iam::1:role/x "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x
: >"$T_TMP/proxy.log"
run $NOENV AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$CP/container" AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer pod-identity-token" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --force s3://saoidc-test/container
is "$RC" 0 "container credentials (full URI + authorization token)"
contains "$ERR" "credentials from container credentials" "names the source"
printf 'Bearer pod-identity-token' >"$T_TMP/pod-token"
run $NOENV AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$CP/container" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T_TMP/pod-token" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --force s3://saoidc-test/container
is "$RC" 0 "container credentials with the token in a file (EKS Pod Identity)"
refused "container credentials over http to another host are refused (the token would cross the network in clear)" 1 "http:// is allowed only to this host" $NOENV AWS_CONTAINER_CREDENTIALS_FULL_URI="http://198.51.100.7/container" AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer pod-identity-token" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/container
refused "a refused container token is reported" 1 "answered HTTP 403" $NOENV AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$CP/container" AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/container
: >"$T_TMP/cred.log"
run env -u AWS_EC2_METADATA_DISABLED $NOENV AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$CP" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" --force s3://saoidc-test/imds
is "$RC" 0 "instance metadata credentials (IMDSv2)"
contains "$ERR" "credentials from instance metadata (role saoidc-role)" "names the role"
is "$(head -1 "$T_TMP/cred.log" | sed 's/.*"method": "\([A-Z]*\)".*/\1/')" PUT "IMDSv2: the session token is asked for first"
is "$(grep -c '"status": 401' "$T_TMP/cred.log")" 0 "no IMDSv1 (tokenless) request was made"

# Wrong secret: SignatureDoesNotMatch, said clearly, the secret never echoed.
run env AWS_SECRET_ACCESS_KEY=wrong-secret-0123456789 "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/cluster-1 --force
is "$RC" 1 "a wrong secret fails"
contains "$ERR" "SignatureDoesNotMatch" "with S3's error code"
contains "$ERR" "secret access key does not match" "and what it means"
case "$OUT$ERR" in *wrong-secret-0123456789*) fail "the secret is not echoed" ;; *) pass "the secret is not echoed" ;; esac

# A clock 30 minutes slow: S3 answers RequestTimeTooSkewed; saoidc says what is wrong at once
# instead of retrying (a retry is signed with the same wrong clock).
if command -v faketime >/dev/null 2>&1; then
	: >"$T_TMP/proxy.log"
	run env FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		faketime -f -30m "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/cluster-1 --force
	is "$RC" 1 "a clock 30 minutes slow fails"
	contains "$ERR" "RequestTimeTooSkewed" "with S3's code"
	contains "$ERR" "clock is more than 15 minutes off" "and says that the clock is wrong"
	is "$(wc -l <"$T_TMP/proxy.log" | tr -d ' ')" 1 "without retrying: one request (the retention state's read)"
else
	pass "a skewed clock is explained # SKIP faketime is not installed"
fi

# A bucket with ACLs disabled.
run env AWS_ENDPOINT_URL_S3="http://127.0.0.1:$AP" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/acl --force
is "$RC" 1 "publish with public-read to an ACL-disabled bucket fails"
contains "$ERR" "AccessControlListNotSupported" "names S3's error"
contains "$ERR" "--acl none" "explains the way out"
contains "$ERR" '"Resource": "arn:aws:s3:::saoidc-test/acl/*"' "and prints the bucket policy for the prefix"
run env AWS_ENDPOINT_URL_S3="http://127.0.0.1:$AP" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/acl --acl none
is "$RC" 0 "--acl none uploads to it"
is "$(grep '"method": "PUT"' "$T_TMP/acl.log" | grep -v '/\.saoidc/' | grep -c '"acl": null, "token": false, "status": 200')" 2 "without an ACL header"

# Block Public Access (AccessDenied) and retries of 503 SlowDown, through two more proxies.
BP=$(free_port); FP=$(free_port)
/usr/bin/python3 "$HERE/sigv4_proxy.py" --listen "$BP" --upstream "http://127.0.0.1:$SP" --log "$T_TMP/bpa.log" --key S3RVER:S3RVER --block-public-acls >"$T_TMP/bpa.out" 2>&1 &
BPPID=$!
/usr/bin/python3 "$HERE/sigv4_proxy.py" --listen "$FP" --upstream "http://127.0.0.1:$SP" --log "$T_TMP/flaky.log" --key S3RVER:S3RVER --fail-first 3 >"$T_TMP/flaky.out" 2>&1 &
FLPID=$!
trap 'kill $S3PID $PXPID $ACLPID $CREDPID $BPPID $FLPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/bpa.out"
wait_for grep -q listening "$T_TMP/flaky.out"
run env AWS_ENDPOINT_URL_S3="http://127.0.0.1:$BP" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/bpa --force
is "$RC" 1 "public-read under Block Public Access fails"
contains "$ERR" "Block Public Access refuses public ACLs" "and both causes of AccessDenied are named"
contains "$ERR" '"Action": "s3:GetObject"' "with the bucket policy"
run env AWS_ENDPOINT_URL_S3="http://127.0.0.1:$FP" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/flaky
is "$RC" 0 "503 SlowDown answers are retried until the upload goes through"
is "$(grep -c '"status": 503' "$T_TMP/flaky.log") $(grep -v '/\.saoidc/' "$T_TMP/flaky.log" | grep -c '"method": "PUT".*"status": 200')" "3 2" "three 503s, then both objects uploaded"

# publish --register: the one-shot CI job.
IP=$(free_port)
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$IP" --key S3RVER:S3RVER --log "$T_TMP/iam.log" --max-page 2 --fail-once ListRoles:AccessDenied >"$T_TMP/iam.out" 2>&1 &
IAMPID=$!
trap 'kill $S3PID $PXPID $ACLPID $CREDPID $BPPID $FLPID $IAMPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/iam.out"
: >"$T_TMP/proxy.log"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/ci --register --thumbprint none --client-id sts.amazonaws.com
is "$RC" 0 "publish --register exits 0"
is "$OUT" "https://saoidc-test.s3.us-east-1.amazonaws.com/ci
arn:aws:iam::123456789012:oidc-provider/saoidc-test.s3.us-east-1.amazonaws.com/ci" "prints the issuer, then the provider ARN"
contains "$(sed 's/.*"action": "\([A-Za-z]*\)".*/\1/' "$T_TMP/iam.log" | tr '\n' ' ')" "ListOpenIDConnectProviders CreateOpenIDConnectProvider" "and registered it with IAM"
is "$(grep -c '"signed": false' "$T_TMP/iam.log")" 0 "with signatures botocore accepts"
cp "$T_TMP/iam.log" "$T_TMP/iam-first.log"
: >"$T_TMP/iam.log"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/ci --register --thumbprint none --client-id new-aud
is "$(sed 's/.*"action": "\([A-Za-z]*\)".*/\1/' "$T_TMP/iam.log" | tr '\n' ' ')" "ListOpenIDConnectProviders GetOpenIDConnectProvider AddClientIDToOpenIDConnectProvider " "publish --register --client-id new-aud adds it and removes nothing"
contains "$(curl -s "http://127.0.0.1:$IP/")" '"clients": ["sts.amazonaws.com", "new-aud"]' "sts.amazonaws.com is still accepted"
# The publish job's least-privilege policy (shipped beside its CronJob) grants what these two
# runs, the job's first and a later one, asked of S3 and IAM, on their resources, and no more
# (UpdateOpenIDConnectProviderThumbprint: for the run after a certificate change; s3:ListBucket:
# without it S3 answers the GET of a missing object 403, not 404, and the first run reads a
# retention state that does not exist yet; s3rver does not model that).
OUT=$(/usr/bin/python3 "$HERE/policy_check.py" --policy "$SRCDIR/deploy/kubernetes/overlays/publish-job/publisher-policy.json" \
	--subst my-oidc-bucket=saoidc-test --subst my-cluster=ci --subst eu-west-1=us-east-1 \
	--s3-log "$T_TMP/proxy.log" --iam-log "$T_TMP/iam-first.log" --iam-log "$T_TMP/iam.log" \
	--provider-arn arn:aws:iam::123456789012:oidc-provider/saoidc-test.s3.us-east-1.amazonaws.com/ci \
	--may-need iam:UpdateOpenIDConnectProviderThumbprint --may-need s3:ListBucket 2>&1)
contains "$OUT" "missing: []" "the publish job's policy grants every call its runs made, on its resources"
contains "$OUT" "unused: []" "and nothing they did not need"
ok "the runs' calls were read ($(printf '%s\n' "$OUT" | sed -n 's/^needed: //p') action/resource pairs)" sh -c "printf '%s\n' '$OUT' | grep -Eq '^needed: ([5-9]|[1-9][0-9])'"

# unpublish --deregister: the provider goes too, but never while a role trusts it. Roles made
# with awscli; the stand-in pages ListRoles two roles at a time (awscli reads all three pages).
# (unpublish looks for a distribution of the prefix: a CloudFront stand-in with none.)
CFP=$(free_port)
/usr/bin/python3 "$HERE/cloudfront_standin.py" --listen "$CFP" --key S3RVER:S3RVER --log "$T_TMP/cf.log" >"$T_TMP/cf.out" 2>&1 &
CFPID=$!
trap 'kill $S3PID $PXPID $ACLPID $CREDPID $BPPID $FLPID $IAMPID $CFPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/cf.out"
export AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$CFP"
PARN=arn:aws:iam::123456789012:oidc-provider/saoidc-test.s3.us-east-1.amazonaws.com/ci
iamc() { aws --region us-east-1 --endpoint-url "http://127.0.0.1:$IP/" iam "$@"; }
trust() { printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%s},"Action":"sts:AssumeRoleWithWebIdentity"}]}' "$1"; }
iamc create-role --role-name app --assume-role-policy-document "$(trust "\"$PARN\"")" >/dev/null
iamc create-role --role-name both --assume-role-policy-document "$(trust "[\"arn:aws:iam::123456789012:oidc-provider/other.example\", \"$PARN\"]")" >/dev/null
for n in ci-a ci-b ci-c; do iamc create-role --role-name "$n" --assume-role-policy-document "$(trust '"arn:aws:iam::123456789012:oidc-provider/other.example"')" >/dev/null; done
: >"$T_TMP/proxy.log"
refused "without iam:ListRoles, unpublish --deregister names the permission and removes nothing" 1 \
	"IAM ListRoles failed: HTTP 403 AccessDenied: injected failure -- the credentials lack iam:ListRoles" \
	env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" unpublish s3://saoidc-test/ci --deregister
is "$(grep -vc '"method": "GET"' "$T_TMP/proxy.log")" 0 "  (no write reached S3)"
is "$(iamc list-roles --query 'Roles[].RoleName' --output text 2>&1 | wc -w | tr -d ' ')" 5 "awscli reads the stand-in's ListRoles pages (5 roles, 2 a page)"
: >"$T_TMP/iam.log"
refused "unpublish --deregister is refused while roles trust the provider, naming them" 1 \
	"2 roles still trust $PARN: arn:aws:iam::123456789012:role/app, arn:aws:iam::123456789012:role/both" \
	env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" unpublish s3://saoidc-test/ci --deregister
contains "$ERR" "Nothing was removed" "  and says nothing was removed"
is "$(grep -c '"action": "ListRoles"' "$T_TMP/iam.log")" 3 "  having read every ListRoles page (3)"
is "$(grep -vc '"method": "GET"' "$T_TMP/proxy.log")" 0 "  and nothing was deleted from S3"
contains "$(curl -s "http://127.0.0.1:$IP/")" "$PARN" "  nor from IAM"
for r in app both; do iamc update-assume-role-policy --role-name "$r" --policy-document "$(trust '"arn:aws:iam::123456789012:oidc-provider/other.example"')"; done
: >"$T_TMP/iam.log"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" unpublish s3://saoidc-test/ci --deregister --dry-run
is "$RC" 0 "unpublish --deregister --dry-run, no role trusting it, exits 0"
contains "$ERR" "would delete the IAM OpenID Connect provider $PARN (no role trusts it)" "  and says the provider would go"
is "$(grep -vc '"method": "GET"' "$T_TMP/proxy.log") $(grep -c Delete "$T_TMP/iam.log")" "0 0" "  removing nothing"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" unpublish s3://saoidc-test/ci --deregister
is "$RC" 0 "unpublish --deregister exits 0"
contains "$ERR" "DeleteOpenIDConnectProvider: $PARN" "  saying it deleted the provider"
case "$(curl -s "http://127.0.0.1:$IP/")" in *"$PARN"*) fail "  which IAM no longer has" ;; *) pass "  which IAM no longer has" ;; esac
is "$(awsc s3 ls s3://saoidc-test/ci/ --recursive 2>/dev/null | wc -l | tr -d ' ')" 0 "  after the documents and the state"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" unpublish s3://saoidc-test/ci --deregister
is "$RC" 0 "a re-run exits 0 (nothing left to do)"
contains "$ERR" "IAM has no OpenID Connect provider for https://saoidc-test.s3.us-east-1.amazonaws.com/ci" "  and says there was no provider to deregister"
refused "--issuer without --deregister is a usage error" 2 "give both" "$SAOIDC" unpublish s3://saoidc-test/ci --issuer https://oidc.example
# A credential value with a line break never becomes a header of its own.
: >"$T_TMP/proxy.log"
refused "a session token with CR/LF in it is refused before anything is sent" 1 "X-Amz-Security-Token header holds a control character" \
	env AWS_SESSION_TOKEN="$(printf 't\r\nX-Evil: 1')" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/crlf
is "$(wc -l <"$T_TMP/proxy.log" | tr -d ' ')" 0 "no request reached S3"
case "$ERR" in *X-Evil*) fail "the token's value is not echoed" ;; *) pass "the token's value is not echoed" ;; esac

# s3-policy, dry run, bad input.
run "$SAOIDC" s3-policy s3://saoidc-test/cluster-1
ok "s3-policy prints valid JSON" /usr/bin/python3 -c "import json,sys; p=json.loads(sys.argv[1]); assert p['Statement'][0]['Action']=='s3:GetObject' and p['Statement'][0]['Principal']=='*'" "$OUT"
: >"$T_TMP/proxy.log"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$SAOIDC" publish --dry-run --key "$KEYS/demo-rsa.pub" s3://saoidc-test/dry --region eu-west-1
is "$RC" 0 "--dry-run needs no credentials"
contains "$OUT" "PUT http://127.0.0.1:$PP/saoidc-test/dry/keys.json" "--dry-run shows each request"
contains "$OUT" "https://saoidc-test.s3.eu-west-1.amazonaws.com/dry" "and the issuer"
is "$(grep -cv '"method": "GET"' "$T_TMP/proxy.log")" 0 "--dry-run writes nothing (it may read the retention state)"
contains "$ERR" "could not be read" "a state it cannot read (wrong profile credentials) is said, and the dry run goes on"
run "$SAOIDC" publish --dry-run --key "$KEYS/demo-rsa.pub" s3://my.bucket/x
is "$(printf %s "$OUT" | tail -n 1)" "https://s3.us-east-1.amazonaws.com/my.bucket/x" "a bucket with dots gets a path-style issuer (its virtual-hosted name would not match S3's certificate)"
refused "a URI naming no store is refused" 1 "names no store: s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] or gs://BUCKET[/PREFIX]" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" https://x
refused "a missing region is reported" 1 "no region" env -u AWS_REGION "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x
done_testing
