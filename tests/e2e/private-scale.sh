#!/bin/sh
# publish --private in a large account: the CloudFront stand-in starts with 3,000 other
# distributions and origin access controls, and pages its lists as CloudFront does. The first
# run lists each once; a re-run with nothing changed makes three CloudFront calls and lists
# nothing; a key change adds only the upload and its invalidation; a distribution deleted behind
# saoidc's back is found missing, and a new one made and remembered.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
start_s3rver existing
PP=$(free_port)
start_proxy "$PP" s3
PXPID=$PROXY_PID
CP=$(free_port)
/usr/bin/python3 "$HERE/cloudfront_standin.py" --listen "$CP" --key S3RVER:S3RVER --log "$T_TMP/cf.log" --deploy-seconds 1 \
	--seed 3000 >"$T_TMP/cf.out" 2>&1 &
CFPID=$!
trap 'kill $S3PID $PXPID $CFPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/cf.out"
aws_test_env eu-west-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP" AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$CP"
cf_actions() { sed -n 's/.*"action": "\([A-Za-z]*\)".*/\1/p' "$T_TMP/cf.log" | tr '\n' ' '; }
count() { cf_actions | tr ' ' '\n' | grep -c "^$1\$" || true; }
s3_calls() { grep -c '"method"' "$T_TMP/s3.log" || true; }
clear_logs() { : >"$T_TMP/cf.log"; : >"$T_TMP/s3.log"; }
dists() { curl -s "http://127.0.0.1:$CP/state" | /usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)['dists']))"; }
site_dist() { aws --endpoint-url "http://127.0.0.1:$PP" s3 cp s3://newbucket/c/.saoidc/site.json - 2>/dev/null |
	/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['distribution'])"; }
K="$KEYS/demo-rsa.pub"

is "$(dists)" 3000 "the account holds 3,000 distributions"
clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/c
is "$RC" 0 "first run in an account of 3,000 distributions"
is "$(count ListDistributions) $(count ListOriginAccessControls)" "30 30" "  each list read once, page by page (30 pages of 100)"
contains "$ERR" "reading the account's CloudFront distributions" "  saying so first (slow in a large account)"
contains "$ERR" "3000 distributions read" "  and how many it read"
is "$(count CreateDistribution) $(dists)" "1 3001" "  one distribution made"
grep -q '"bad_response"\|"invalid"\|"signed": false' "$T_TMP/cf.log" && fail "every call signed and well formed" "$(grep -m3 'bad_response\|invalid\|signed": false' "$T_TMP/cf.log")" || pass "every call signed and well formed"
DIST=$(site_dist)
OLDDOM=$(aws --endpoint-url "http://127.0.0.1:$PP" s3 cp s3://newbucket/c/.saoidc/site.json - 2>/dev/null |
	/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['domain'])")

clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/c
is "$RC" 0 "a re-run with nothing changed"
is "$(cf_actions)" "GetDistribution GetOriginAccessControl ListInvalidations " "  three CloudFront calls, no listing, whatever the account's size"
N3=$(s3_calls)
ok "  and few S3 calls ($N3: the bucket's settings checked, the state and documents read, nothing written)" test "$N3" -le 12

clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" --key "$KEYS/demo-ec256.pub" s3://newbucket/c
is "$RC" 0 "a key change"
is "$(cf_actions)" "GetDistribution GetOriginAccessControl ListInvalidations CreateInvalidation " "  the same three calls and the invalidation; no listing"

# Deleted behind saoidc's back (the console): found missing, listed once, made anew, remembered.
curl -s -X DELETE "http://127.0.0.1:$CP/state/distribution/$DIST" >/dev/null
clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" --key "$KEYS/demo-ec256.pub" s3://newbucket/c
is "$RC" 0 "a distribution deleted behind saoidc's back: the run exits 0"
is "$(count ListDistributions) $(count CreateDistribution)" "30 1" "  it was found missing, the list read once, a new one made"
NEW=$(site_dist)
ok "  and the new one is remembered ($NEW, was $DIST)" test -n "$NEW" -a "$NEW" != "$DIST"
contains "$ERR" "the CloudFront distribution that served this issuer ($OLDDOM) is gone (deleted outside saoidc): a new one was made" \
	"  with a warning: the issuer changed"
contains "$ERR" "saoidc migrate --from https://$OLDDOM/c --to https://" "  and the way to move trust to the new one"
clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" --key "$KEYS/demo-ec256.pub" s3://newbucket/c
is "$(cf_actions)" "GetDistribution GetOriginAccessControl ListInvalidations " "  after which a re-run is three calls again"
done_testing
