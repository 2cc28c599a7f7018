#!/bin/sh
# Benchmark (not part of make check): how many AWS calls publishing costs, by account size.
# s3rver behind the SigV4-checking proxy, and the CloudFront stand-in seeded with 10, then 3,000
# other distributions and origin access controls (its lists paged as CloudFront pages them).
# For public and private (--private) publishing: the calls of a first run, a re-run with nothing
# changed, and a key change, from the stand-ins' logs (every call, GETs included), as
# "S3 + CloudFront = total". Printed as a table; the claim to check: the re-run and key-change
# columns do not grow with the account.
# usage: tests/bench/calls.sh [BUILD_DIR]   (env: SIZES, default "10 3000")
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
harness "${1:-}"
SIZES=${SIZES:-"10 3000"}
HERE="$TOP/tests/interop"
A="$TOP/keys/demo-rsa.pub" B="$TOP/keys/demo-ec256.pub"
start_s3rver pub
PP=$(free_port)
start_proxy "$PP" s3
PXPID=$PROXY_PID
CFPID=""
trap 'kill $S3PID $PXPID ${CFPID:-} 2>/dev/null; rm -rf "$T_TMP"' EXIT
aws_test_env eu-west-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"

# calls CMD...: runs a publish; prints "S3 + CloudFront = total" from the logs.
calls() {
	: >"$T_TMP/s3.log"
	: >"$T_TMP/cf.log"
	"$@" >/dev/null 2>"$T_TMP/run.err" || { echo "failed: $*" >&2; cat "$T_TMP/run.err" >&2; exit 1; }
	s=$(grep -c '"method"' "$T_TMP/s3.log" || true)
	c=$(grep -c '"action"' "$T_TMP/cf.log" || true)
	echo "$s + $c = $((s + c))"
}

printf '%-14s %-8s %-18s %-18s %-18s\n' distributions mode "first run" "re-run" "key change"
for n in $SIZES; do
	[ -n "$CFPID" ] && kill "$CFPID" 2>/dev/null
	CP=$(free_port)
	/usr/bin/python3 "$HERE/cloudfront_standin.py" --listen "$CP" --key S3RVER:S3RVER --log "$T_TMP/cf.log" \
		--deploy-seconds 0 --seed "$n" >"$T_TMP/cf.out" 2>&1 &
	CFPID=$!
	wait_for grep -q listening "$T_TMP/cf.out"
	export AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$CP"
	p1=$(calls "$SAOIDC" publish --key "$A" "s3://pub/n$n")
	p2=$(calls "$SAOIDC" publish --key "$A" "s3://pub/n$n")
	p3=$(calls "$SAOIDC" publish --key "$A" --key "$B" "s3://pub/n$n")
	printf '%-14s %-8s %-18s %-18s %-18s\n' "$n" public "$p1" "$p2" "$p3"
	q1=$(calls "$SAOIDC" publish --private --create-bucket --key "$A" "s3://priv$n/c")
	q2=$(calls "$SAOIDC" publish --private --create-bucket --key "$A" "s3://priv$n/c")
	q3=$(calls "$SAOIDC" publish --private --create-bucket --key "$A" --key "$B" "s3://priv$n/c")
	printf '%-14s %-8s %-18s %-18s %-18s\n' "$n" private "$q1" "$q2" "$q3"
done
