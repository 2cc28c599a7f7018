#!/bin/sh
# AWS partitions end to end: publish to s3rver behind the SigV4-checking proxy and register with
# the IAM emulator, as GovCloud (us-gov-west-1) and China (cn-northwest-1) accounts. botocore
# checks every signature, and the credential scope must be the partition's: the bucket's region
# for S3, the partition's IAM region for IAM (us-gov-west-1, cn-north-1), whatever the endpoint
# override. Also: issuers, ARNs and policies with the partition's DNS suffix and ARN prefix,
# dotted buckets (path-style), prefixes, and the refusals.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
start_s3rver saoidc-test my.dotted.bucket
PP=$(free_port)
start_proxy "$PP" proxy
PXPID=$PROXY_PID
GP=$(free_port)
CP=$(free_port)
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$GP" --key S3RVER:S3RVER --log "$T_TMP/gov.log" --region us-gov-west-1 >"$T_TMP/gov.out" 2>&1 &
GOVPID=$!
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$CP" --key S3RVER:S3RVER --log "$T_TMP/cn.log" --region cn-north-1 >"$T_TMP/cn.out" 2>&1 &
CNPID=$!
trap 'kill $S3PID $PXPID $GOVPID $CNPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/gov.out"
wait_for grep -q listening "$T_TMP/cn.out"

aws_test_env us-east-1
unset AWS_REGION
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"
scopes() { sed -n 's/.*"scope": "\([^"]*\)".*/\1/p' "$1" | sort -u | tr '\n' ' '; }
K="$KEYS/demo-rsa.pub"

# ---- GovCloud -------------------------------------------------------------------------------
: >"$T_TMP/proxy.log"
run env AWS_REGION=us-gov-west-1 "$SAOIDC" publish --key "$K" s3://saoidc-test/gov
is "$RC" 0 "publish in us-gov-west-1 exits 0"
is "$OUT" "https://saoidc-test.s3.us-gov-west-1.amazonaws.com/gov" "the issuer is on GovCloud's S3 host"
is "$(scopes "$T_TMP/proxy.log")" "us-gov-west-1/s3 " "every S3 request is signed for us-gov-west-1 (the override changes the URL, not the scope)"
is "$(grep -c '"signed": false' "$T_TMP/proxy.log")" 0 "and botocore verified each signature"
contains "$ERR" "partition aws-us-gov" "stderr names the partition"

run env AWS_REGION=us-gov-west-1 AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$GP/" "$SAOIDC" register --issuer https://oidc.test/gov --thumbprint none
is "$RC" 0 "register in GovCloud exits 0 (the emulator plays IAM for us-gov-west-1)"
is "$OUT" "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.test/gov" "the provider ARN is GovCloud's"
is "$(grep -c '"signed": true' "$T_TMP/gov.log")" 2 "botocore verified both IAM signatures with GovCloud's signing region"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$GP/" "$SAOIDC" register --issuer https://oidc.test/gov2 --thumbprint none --region us-gov-east-1
is "$OUT" "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.test/gov2" "--region us-gov-east-1: IAM is still signed for us-gov-west-1, the partition's"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$GP/" "$SAOIDC" register --issuer https://oidc.test/gov3 --thumbprint none
is "$RC" 1 "without a region, IAM is the commercial one (signed us-east-1), which GovCloud's IAM refuses"
contains "$ERR" "no region given" "and stderr said which partition it assumed and how to pick another"

run "$SAOIDC" trust-policy aws --region us-gov-west-1 --issuer https://oidc.test/gov --account 123456789012 --namespace ns --service-account sa
contains "$OUT" '"Federated": "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.test/gov"' "trust-policy aws in GovCloud: arn:aws-us-gov"
contains "$OUT" '"oidc.test/gov:aud": "sts.amazonaws.com"' "with the audience sts.amazonaws.com"
run "$SAOIDC" s3-policy s3://saoidc-test/gov --region us-gov-west-1
contains "$OUT" '"Resource": "arn:aws-us-gov:s3:::saoidc-test/gov/*"' "s3-policy in GovCloud: arn:aws-us-gov:s3"

# A dotted bucket in GovCloud: path-style everywhere.
: >"$T_TMP/proxy.log"
run env AWS_REGION=us-gov-west-1 "$SAOIDC" publish --dry-run --key "$K" s3://my.dotted.bucket/x
is "$RC" 0 "a dotted bucket is accepted"
is "$(printf %s "$OUT" | tail -n 1)" "https://s3.us-gov-west-1.amazonaws.com/my.dotted.bucket/x" "its issuer is path-style on GovCloud's S3 host"
contains "$ERR" "path-style" "stderr says the issuer is path-style, and why"
contains "$ERR" "would not match S3's certificate" "(the certificate covers one label)"
contains "$OUT" "PUT http://127.0.0.1:$PP/my.dotted.bucket/x/keys.json" "the upload goes path-style too"
run env AWS_REGION=us-gov-west-1 AWS_ENDPOINT_URL_S3= "$SAOIDC" publish --dry-run --key "$K" s3://my.dotted.bucket/x
contains "$OUT" "PUT https://s3.us-gov-west-1.amazonaws.com/my.dotted.bucket/x/keys.json" "without an override, the request URL is path-style on S3's host"
run env AWS_REGION=us-gov-west-1 AWS_ENDPOINT_URL_S3= "$SAOIDC" publish --dry-run --fips --key "$K" s3://saoidc-test/x
contains "$OUT" "PUT https://saoidc-test.s3-fips.us-gov-west-1.amazonaws.com/x/keys.json" "--fips: S3's FIPS host for the uploads"
is "$(printf %s "$OUT" | tail -n 1)" "https://saoidc-test.s3.us-gov-west-1.amazonaws.com/x" "while the issuer stays on the regular host STS fetches from"
run env AWS_REGION=us-gov-west-1 "$SAOIDC" publish --key "$K" s3://my.dotted.bucket/x
is "$RC" 0 "publishing to a dotted bucket exits 0"
is "$(aws --endpoint-url "http://127.0.0.1:$PP" --region us-gov-west-1 s3 cp s3://my.dotted.bucket/x/keys.json - 2>/dev/null)" "$("$SAOIDC" jwks --key "$K")" "awscli reads the JWKS back from the dotted bucket"

# ---- China ----------------------------------------------------------------------------------
: >"$T_TMP/proxy.log"
run env AWS_REGION=cn-northwest-1 "$SAOIDC" publish --key "$K" s3://saoidc-test/cn
is "$RC" 0 "publish in cn-northwest-1 exits 0"
is "$OUT" "https://saoidc-test.s3.cn-northwest-1.amazonaws.com.cn/cn" "the issuer has China's DNS suffix"
is "$(scopes "$T_TMP/proxy.log")" "cn-northwest-1/s3 " "S3 requests are signed for cn-northwest-1"
D=$(aws --endpoint-url "http://127.0.0.1:$PP" --region cn-northwest-1 s3 cp s3://saoidc-test/cn/.well-known/openid-configuration - 2>/dev/null)
contains "$D" '"issuer":"https://saoidc-test.s3.cn-northwest-1.amazonaws.com.cn/cn"' "the discovery document's issuer is the printed one"
contains "$D" '"jwks_uri":"https://saoidc-test.s3.cn-northwest-1.amazonaws.com.cn/cn/keys.json"' "and jwks_uri lies under it"
run env AWS_REGION=cn-northwest-1 AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$CP/" "$SAOIDC" register --issuer https://oidc.test/cn --thumbprint none
is "$OUT" "arn:aws-cn:iam::123456789012:oidc-provider/oidc.test/cn" "register in China: arn:aws-cn, signed for cn-north-1 (IAM's region there)"
is "$(grep -c '"signed": true' "$T_TMP/cn.log")" 2 "botocore verified both signatures"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$CP/" "$SAOIDC" register --issuer https://oidc.test/cn2 --thumbprint none --region us-west-2
is "$RC" 1 "a commercial region's scope is refused by China's IAM"
run "$SAOIDC" trust-policy aws --region cn-north-1 --issuer https://oidc.test/cn --account 123456789012 --namespace ns --service-account sa
contains "$OUT" '"Federated": "arn:aws-cn:iam::123456789012:oidc-provider/oidc.test/cn"' "trust-policy aws in China: arn:aws-cn"
contains "$OUT" '"oidc.test/cn:aud": "sts.amazonaws.com"' "and the audience is still sts.amazonaws.com (not .com.cn)"
for pr in us-iso-east-1:aws-iso us-isob-east-1:aws-iso-b eu-isoe-west-1:aws-iso-e us-gov-east-1:aws-us-gov cn-northwest-1:aws-cn eu-west-1:aws; do
	run "$SAOIDC" trust-policy aws --region "${pr%%:*}" --issuer https://oidc.test/x --account 123456789012 --namespace ns --service-account sa
	contains "$OUT" "\"Federated\": \"arn:${pr#*:}:iam::123456789012:oidc-provider/oidc.test/x\"" "trust-policy aws in ${pr%%:*}: arn:${pr#*:}"
done
run "$SAOIDC" trust-policy aws --issuer https://oidc.test/x --account 123456789012 --namespace ns --service-account sa
contains "$OUT" '"Federated": "arn:aws:iam::' "without a region: the commercial partition"
contains "$ERR" "no region given" "saying so on stderr"

# ---- refusals: one line naming the value, exit 1, nothing sent ------------------------------
: >"$T_TMP/proxy.log"
refused "an unknown region shape is refused" 1 'region "mars-1" is not an AWS region' env AWS_REGION=mars-1 "$SAOIDC" publish --key "$K" s3://saoidc-test/x
refused "a region with a typo is refused" 1 'region "us-east1" is not an AWS region' "$SAOIDC" publish --region us-east1 --key "$K" s3://saoidc-test/x
refused "--fips where S3 has no FIPS endpoint (China) is refused" 1 "S3 has no FIPS endpoint in the aws-cn partition" "$SAOIDC" publish --fips --region cn-north-1 --key "$K" s3://saoidc-test/x
refused "AWS_USE_FIPS_ENDPOINT=true does the same" 1 "S3 has no FIPS endpoint" env AWS_USE_FIPS_ENDPOINT=true "$SAOIDC" publish --region cn-north-1 --key "$K" s3://saoidc-test/x
refused "a bad AWS_USE_FIPS_ENDPOINT value is refused" 1 "AWS_USE_FIPS_ENDPOINT" env AWS_USE_FIPS_ENDPOINT=yes "$SAOIDC" publish --region us-east-1 --key "$K" s3://saoidc-test/x
refused "dual-stack in an isolated partition is refused" 1 "no dual-stack endpoints" env AWS_USE_DUALSTACK_ENDPOINT=true "$SAOIDC" publish --region us-iso-east-1 --key "$K" s3://saoidc-test/x
refused "--fips with IAM in China is refused" 1 "IAM has no FIPS endpoint in the aws-cn partition" "$SAOIDC" register --fips --region cn-north-1 --issuer https://oidc.test/cn --thumbprint none
refused "a '+' in the prefix is refused, naming it" 1 "has '+'" "$SAOIDC" publish --region us-east-1 --key "$K" s3://saoidc-test/a+b
refused "a '%' in the prefix is refused, naming it" 1 "has '%'" "$SAOIDC" publish --region us-east-1 --key "$K" s3://saoidc-test/a%2Bb
refused "a space in the prefix is refused" 1 "has ' '" "$SAOIDC" publish --region us-east-1 --key "$K" "s3://saoidc-test/a b"
is "$(wc -l <"$T_TMP/proxy.log" | tr -d ' ')" 0 "nothing was sent for any refused publish"
is "$(grep -c CreateOpenIDConnectProvider "$T_TMP/cn.log")" 1 "and nothing registered by the refused register"
refused "pod-patch: a GovCloud role with a commercial region is refused" 1 "is in the aws-us-gov partition, but region us-east-1 is in aws" "$SAOIDC" pod-patch --cloud aws --role-arn arn:aws-us-gov:iam::123456789012:role/r --region us-east-1 --service-account sa --container app
refused "pod-patch: a role ARN of no known partition is refused" 1 "not an ARN of a known partition" "$SAOIDC" pod-patch --cloud aws --role-arn arn:awz:iam::123456789012:role/r --service-account sa --container app
run "$SAOIDC" pod-patch --cloud aws --role-arn arn:aws-cn:iam::123456789012:role/r --region cn-north-1 --service-account sa --container app
is "$RC" 0 "pod-patch: a China role with a China region is fine"
refused "trust-policy: a --policy-arn of another partition is refused" 1 "--policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess is in the aws partition, but region us-gov-west-1 is in aws-us-gov" "$SAOIDC" trust-policy aws --region us-gov-west-1 --issuer https://oidc.test/gov --account 123456789012 --namespace ns --service-account sa --create-role r --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess
# A region saoidc does not know: a typo is caught before an issuer is made of it, with the
# nearest known name; a region newer than saoidc is taken with --allow-unknown-region.
for cmd in "publish --key $KEYS/demo-rsa.pub s3://saoidc-test/x --dry-run" "register --issuer https://oidc.example.com/x --thumbprint none --dry-run" \
	"trust-policy aws --issuer https://oidc.example.com/x --account 123456789012 --namespace a --service-account b" "s3-policy s3://saoidc-test/x"; do
	refused "${cmd%% *} --region eu-wset-1: refused, suggesting eu-west-1" 1 "region eu-wset-1 is not one saoidc knows (did you mean eu-west-1?)" \
		$SAOIDC $cmd --region eu-wset-1
done
refused "AWS_REGION=us-esat-2 is caught too" 1 "did you mean us-east-2?" env AWS_REGION=us-esat-2 "$SAOIDC" s3-policy s3://saoidc-test/x
run "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://saoidc-test/x --dry-run --region eu-west-9 --allow-unknown-region
is "$RC" 0 "--allow-unknown-region takes a region newer than saoidc"
contains "$OUT" "https://saoidc-test.s3.eu-west-9.amazonaws.com/x" "its partition from its name"
contains "$ERR" "region eu-west-9 is not one saoidc knows: taken because of --allow-unknown-region" "and says so"
done_testing
