#!/bin/sh
# publish --private and unpublish against s3rver behind the SigV4-checking proxy (which plays
# S3's bucket configuration calls) and the CloudFront stand-in. Both check every signature with
# botocore and every request body against botocore's models; the stand-in also checks its own
# answers with botocore's parser, so a "bad_response" in its log fails the run. Covered: first
# run, second run (no writes), key change (upload + invalidation of exactly the changed paths),
# --domain, refusals before any call, AccessDenied, a distribution saoidc did not make, kill -9
# between calls then re-run, and the way back down.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
start_s3rver existing theirs
PP=$(free_port)
start_proxy "$PP" s3
PXPID=$PROXY_PID
CP=$(free_port)
DP=$(free_port)
/usr/bin/python3 "$HERE/cloudfront_standin.py" --listen "$CP" --key S3RVER:S3RVER --log "$T_TMP/cf.log" --deploy-seconds 1 \
	--hang-once CreateDistribution >"$T_TMP/cf.out" 2>&1 &
CFPID=$!
# A second CloudFront that refuses the first CreateDistribution (AccessDenied).
/usr/bin/python3 "$HERE/cloudfront_standin.py" --listen "$DP" --key S3RVER:S3RVER --log "$T_TMP/deny.log" --deploy-seconds 1 \
	--fail-once CreateDistribution:AccessDenied >"$T_TMP/deny.out" 2>&1 &
DENYPID=$!
trap 'kill $S3PID $PXPID $CFPID $DENYPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
for f in cf deny; do wait_for grep -q listening "$T_TMP/$f.out"; done

aws_test_env eu-west-1
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP" AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$CP"
K="$KEYS/demo-rsa.pub"
state() { curl -s "http://127.0.0.1:$CP/state"; }
cf_actions() { sed -n 's/.*"action": "\([A-Za-z]*\)".*/\1/p' "$1" | tr '\n' ' '; }
cf_writes() { cf_actions "$1" | tr ' ' '\n' | grep -cE '^(Create|Update|Delete)' || true; }
s3_writes() { grep -cE '"method": "(PUT|POST|DELETE)"' "$T_TMP/s3.log" || true; }
clear_logs() { : >"$T_TMP/cf.log"; : >"$T_TMP/s3.log"; }
awsc() { aws --endpoint-url "http://127.0.0.1:$PP" --region eu-west-1 "$@"; }
py() { /usr/bin/python3 -c "$@"; }
# Read the stand-in as a botocore client would: its answers must parse.
boto_cf() {
	py "import botocore.session,json,sys
c=botocore.session.get_session().create_client('cloudfront',region_name='us-east-1',endpoint_url='http://127.0.0.1:$CP',aws_access_key_id='S3RVER',aws_secret_access_key='S3RVER')
$1"
}

# ---- refusals, before any call ----------------------------------------------------------------
clear_logs
refused "--domain without --certificate-arn is refused" 1 "--domain and --certificate-arn go together" "$SAOIDC" publish --private --domain oidc.example.com --key "$K" s3://newbucket/cluster
refused "a certificate outside us-east-1 is refused" 1 "ACM certificates from us-east-1 only" "$SAOIDC" publish --private --domain oidc.example.com --certificate-arn arn:aws:acm:eu-west-1:123456789012:certificate/abc --key "$K" s3://newbucket/cluster
refused "a domain that is not a DNS name is refused" 1 "is not a DNS name" "$SAOIDC" publish --private --domain https://oidc.example.com --certificate-arn arn:aws:acm:us-east-1:123456789012:certificate/abc --key "$K" s3://newbucket/cluster
refused "--private in GovCloud (no CloudFront there) is refused" 1 "CloudFront is not available in the aws-us-gov partition" "$SAOIDC" publish --private --region us-gov-west-1 --key "$K" s3://newbucket/cluster
refused "--private with --fips is refused" 1 "CloudFront's API has no FIPS endpoint" "$SAOIDC" publish --private --fips --key "$K" s3://newbucket/cluster
refused "--private with --issuer is a usage error" 2 "drop --issuer" "$SAOIDC" publish --private --issuer https://x.example --key "$K" s3://newbucket/cluster
refused "--domain without --private is a usage error" 2 "go with --private" "$SAOIDC" publish --domain oidc.example.com --key "$K" s3://newbucket/cluster
refused "a missing bucket without --create-bucket is refused" 1 "bucket newbucket does not exist" "$SAOIDC" publish --private --key "$K" s3://newbucket/cluster
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 0" "none of them wrote anything"

# ---- kill -9 right after CreateDistribution, then the next run completes the job ----------------
clear_logs
"$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/cluster >"$T_TMP/killed.out" 2>&1 &
PUBPID=$!
wait_for grep -q CreateDistribution "$T_TMP/cf.log"
kill -9 "$PUBPID" 2>/dev/null
wait "$PUBPID" 2>/dev/null
is "$(py "import json,sys; print(len(json.load(sys.stdin)['dists']))" <<EOF
$(state)
EOF
)" 1 "killed after CreateDistribution: the distribution exists"
is "$(grep -c '?policy=' "$T_TMP/s3.log")" 0 "but no bucket policy was written yet"

clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/cluster
is "$RC" 0 "the next run exits 0"
ISS=$(printf %s "$OUT" | tail -n 1)
case "$ISS" in https://d*.cloudfront.net/cluster) pass "the last stdout line is the issuer on the distribution's domain ($ISS)" ;; *) fail "the last stdout line is the issuer on the distribution's domain" "got: $OUT" ;; esac
is "$(cf_writes "$T_TMP/cf.log")" 1 "it made no second distribution or OAC (the one write: the invalidation)"
is "$(cf_actions "$T_TMP/cf.log" | grep -c CreateDistribution)" 0 "the distribution was found again by its comment"
DIST=$(state | py "import json,sys; print(list(json.load(sys.stdin)['dists'])[0])")
contains "$(grep '"method": "PUT"' "$T_TMP/s3.log" | grep -c '?policy=')" 1 "the bucket policy was completed"
is "$(grep '"method": "PUT", "path": "/newbucket/cluster/' "$T_TMP/s3.log" | grep -v '/\.saoidc/' | grep -c '"acl": null')" 2 "both documents uploaded, without x-amz-acl"
is "$(grep -c '"signed": false' "$T_TMP/s3.log" "$T_TMP/cf.log" | awk -F: '{s+=$2} END {print s}')" 0 "botocore verified every signature"
is "$(grep -c '"invalid":\|"bad_response":' "$T_TMP/s3.log" "$T_TMP/cf.log" | awk -F: '{s+=$2} END {print s}')" 0 "every body fit botocore's models, both ways"

# A re-run with nothing changed checks the remembered ids with one call each and lists nothing,
# whatever the number of distributions in the account; remembered ids that are gone fall back to
# the listing, which finds the distribution again and remembers it anew.
clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/cluster
is "$RC" 0 "a re-run with nothing changed exits 0"
is "$(cf_actions "$T_TMP/cf.log")" "GetDistribution GetOriginAccessControl ListInvalidations " \
	"  its CloudFront calls: the remembered distribution and OAC, the last invalidation; no listing"
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 0" "  and it writes nothing anywhere"
printf '{"distribution":"ENOSUCHDIST0001","origin_access_control":"E0NOSUCHOAC01"}\n' >"$T_TMP/site.json"
awsc s3 cp "$T_TMP/site.json" s3://newbucket/cluster/.saoidc/site.json >/dev/null 2>&1
clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/cluster
is "$RC" 0 "remembered ids that are gone: the run still exits 0"
contains "$(cf_actions "$T_TMP/cf.log")" "ListDistributions ListOriginAccessControls" "  it found the remembered distribution gone (NoSuchDistribution) and listed"
is "$(cf_actions "$T_TMP/cf.log" | grep -c CreateDistribution)" 0 "  and found its distribution again (no second one)"
contains "$(awsc s3 cp s3://newbucket/cluster/.saoidc/site.json - 2>/dev/null)" "\"distribution\":\"$DIST\"" "  and remembers it anew"

# What was made, read back with botocore and awscli.
CFG=$(boto_cf "d=c.get_distribution(Id='$DIST')['Distribution']; cfg=d['DistributionConfig']; o=cfg['Origins']['Items'][0]; b=cfg['DefaultCacheBehavior']
print(o['DomainName'], repr(o['S3OriginConfig']['OriginAccessIdentity']), bool(o['OriginAccessControlId']), b['ViewerProtocolPolicy'], b['AllowedMethods']['Items'], b['CachePolicyId'], cfg['ViewerCertificate'].get('CloudFrontDefaultCertificate'), cfg['Comment'])")
is "$CFG" "newbucket.s3.eu-west-1.amazonaws.com '' True https-only ['GET', 'HEAD'] 658327ea-f89d-4fab-a63d-7e88639e58f6 True saoidc issuer s3://newbucket/cluster" "the distribution: S3 origin with an OAC and no OAI, https-only, GET/HEAD, CachingOptimized, default certificate, saoidc's comment"
OAC=$(boto_cf "o=c.list_origin_access_controls()['OriginAccessControlList']['Items'][0]; print(o['Name'], o['SigningProtocol'], o['SigningBehavior'], o['OriginAccessControlOriginType'])")
is "$OAC" "saoidc-newbucket sigv4 always s3" "the origin access control: sigv4, always, s3"
POL=$(awsc s3api get-bucket-policy --bucket newbucket --query Policy --output text 2>&1)
ARN=$(boto_cf "print(c.get_distribution(Id='$DIST')['Distribution']['ARN'])")
is "$(py "import json,sys; s=json.loads(sys.argv[1])['Statement']; print(len(s), s[0]['Principal'], s[0]['Action'], s[0]['Resource'], s[0]['Condition'])" "$POL")" \
	"1 {'Service': 'cloudfront.amazonaws.com'} s3:GetObject arn:aws:s3:::newbucket/cluster/* {'StringEquals': {'AWS:SourceArn': '$ARN'}}" "the bucket policy lets only this distribution read the prefix"
contains "$(awsc s3api get-public-access-block --bucket newbucket 2>&1)" '"RestrictPublicBuckets": true' "awscli reads Block Public Access back"
contains "$(awsc s3api get-bucket-ownership-controls --bucket newbucket 2>&1)" "BucketOwnerEnforced" "and Object Ownership BucketOwnerEnforced"
D=$(awsc s3 cp s3://newbucket/cluster/.well-known/openid-configuration - 2>/dev/null)
contains "$D" "\"issuer\":\"$ISS\"" "the discovery document's issuer is the printed one"
contains "$D" "\"jwks_uri\":\"$ISS/keys.json\"" "and jwks_uri lies under it"

# ---- the second identical run writes nothing -----------------------------------------------------
clear_logs
run "$SAOIDC" publish --private --create-bucket --key "$K" s3://newbucket/cluster
is "$RC" 0 "a second identical run exits 0"
is "$(printf %s "$OUT" | tail -n 1)" "$ISS" "with the same issuer"
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 0" "and no Create/Update/Put/Delete call at all"

# ---- a key change: upload, then invalidate exactly what changed ---------------------------------
clear_logs
run "$SAOIDC" publish --private --wait --key "$K" --legacy-empty-kid s3://newbucket/cluster
is "$RC" 0 "a JWKS change exits 0"
is "$(grep '"method": "PUT"' "$T_TMP/s3.log" | grep -vc '/\.saoidc/')" 1 "one object uploaded (the JWKS; the discovery document is the same)"
is "$(cf_actions "$T_TMP/cf.log" | grep -o 'CreateInvalidation' | wc -l | tr -d ' ')" 1 "one invalidation"
is "$(state | py "import json,sys; d=json.load(sys.stdin)['dists']['$DIST']; print(d['invalidations'][0].split('<CallerReference>')[0])")" \
	"<Paths><Quantity>1</Quantity><Items><Path>/cluster/keys.json</Path></Items></Paths>" "of exactly the changed path"
contains "$ERR" "completed" "--wait waited for it, with progress on stderr"

# ---- kill -9 between the upload and the invalidation: the next run invalidates ---------------------
kill $CFPID; wait $CFPID 2>/dev/null
/usr/bin/python3 "$HERE/cloudfront_standin.py" --listen "$CP" --key S3RVER:S3RVER --log "$T_TMP/cf.log" --deploy-seconds 1 \
	--hang-once ListInvalidations >"$T_TMP/cf.out" 2>&1 &
CFPID=$!
wait_for grep -q listening "$T_TMP/cf.out"
trap 'kill $S3PID $PXPID $CFPID $DENYPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
# (a fresh stand-in has no state: the first run makes the distribution again, then settles)
clear_logs
"$SAOIDC" publish --private --key "$K" s3://newbucket/cluster >/dev/null 2>&1 &
PUBPID=$!
wait_for grep -q ListInvalidations "$T_TMP/cf.log"
kill -9 "$PUBPID" 2>/dev/null
wait "$PUBPID" 2>/dev/null
is "$(cf_actions "$T_TMP/cf.log" | grep -c CreateInvalidation)" 0 "killed after the upload, before its invalidation"
clear_logs
run "$SAOIDC" publish --private --key "$K" s3://newbucket/cluster
is "$(s3_writes)" 0 "the next run uploads nothing (the objects are right)"
is "$(cf_actions "$T_TMP/cf.log" | grep -o CreateInvalidation | wc -l | tr -d ' ')" 1 "but sees them newer than the last invalidation, and invalidates"
clear_logs
run "$SAOIDC" publish --private --key "$K" s3://newbucket/cluster
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 0" "and the run after that writes nothing"

# ---- --domain --------------------------------------------------------------------------------
clear_logs
run "$SAOIDC" publish --private --domain oidc.example.com --certificate-arn arn:aws:acm:us-east-1:123456789012:certificate/0f1e --key "$K" s3://newbucket/dom
is "$RC" 0 "--domain exits 0"
is "$(printf %s "$OUT" | tail -n 1)" "https://oidc.example.com/dom" "the issuer is on the custom domain"
contains "$ERR" "CNAME" "the CNAME record to create is printed"
DDIST=$(state | py "import json,sys; print([k for k,v in json.load(sys.stdin)['dists'].items() if 'dom' in v['config']][0])")
is "$(boto_cf "cfg=c.get_distribution(Id='$DDIST')['Distribution']['DistributionConfig']; v=cfg['ViewerCertificate']; print(cfg['Aliases']['Items'], v['ACMCertificateArn'], v['SSLSupportMethod'], v['MinimumProtocolVersion'])")" \
	"['oidc.example.com'] arn:aws:acm:us-east-1:123456789012:certificate/0f1e sni-only TLSv1.2_2021" "Aliases and ViewerCertificate: ACM, sni-only, TLSv1.2_2021"
is "$(state | py "import json,sys; print(len(json.load(sys.stdin)['oacs']))")" 1 "the bucket's origin access control is shared, not made twice"

# ---- a distribution saoidc did not make -----------------------------------------------------------
boto_cf "c.create_distribution(DistributionConfig={'CallerReference':'theirs','Comment':'made by hand','Enabled':True,
 'Origins':{'Quantity':1,'Items':[{'Id':'o','DomainName':'theirs.s3.eu-west-1.amazonaws.com','S3OriginConfig':{'OriginAccessIdentity':''}}]},
 'DefaultCacheBehavior':{'TargetOriginId':'o','ViewerProtocolPolicy':'https-only','CachePolicyId':'658327ea-f89d-4fab-a63d-7e88639e58f6'}})" >/dev/null
clear_logs
refused "a bucket another distribution serves is refused, and left alone" 1 "saoidc did not make it" "$SAOIDC" publish --private --key "$K" s3://theirs/x
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 0" "without any write"

# ---- AccessDenied on CreateDistribution, then a re-run completes ---------------------------------
clear_logs
refused "AccessDenied on CreateDistribution names the call and the IAM action" 1 "IAM action cloudfront:CreateDistribution" env AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$DP" "$SAOIDC" publish --private --key "$K" s3://existing/p
run env AWS_ENDPOINT_URL_CLOUDFRONT="http://127.0.0.1:$DP" "$SAOIDC" publish --private --key "$K" s3://existing/p
is "$RC" 0 "once the permission is there, the same command completes"
is "$(curl -s "http://127.0.0.1:$DP/state" | py "import json,sys; s=json.load(sys.stdin); print(len(s['dists']), len(s['oacs']))")" "1 1" "with one distribution and one OAC"

# ---- unpublish: in order, and nothing else -------------------------------------------------------
# Someone adds a statement of their own (with a Sid that even starts like saoidc's).
P=$(awsc s3api get-bucket-policy --bucket newbucket --query Policy --output text 2>/dev/null | py "import json,sys
p=json.load(sys.stdin); p['Statement'].append({'Sid':'SaoidcCloudFrontKeep','Effect':'Allow','Principal':{'AWS':'arn:aws:iam::123456789012:root'},'Action':'s3:ListBucket','Resource':'arn:aws:s3:::newbucket'}); print(json.dumps(p))")
awsc s3api put-bucket-policy --bucket newbucket --policy "$P" >/dev/null 2>&1
run "$SAOIDC" publish --private --key "$K" s3://newbucket/cluster
is "$(awsc s3api get-bucket-policy --bucket newbucket --query Policy --output text 2>/dev/null | py "import json,sys; print(len(json.load(sys.stdin)['Statement']))")" 3 "publish merges its statement into a policy with other statements (someone's, and dom's)"
clear_logs
run "$SAOIDC" unpublish s3://newbucket/cluster
is "$RC" 0 "unpublish exits 0"
is "$(cf_actions "$T_TMP/cf.log" | grep -cE '^ListDistributions ListOriginAccessControls GetDistributionConfig UpdateDistribution (GetDistribution )+DeleteDistribution $')" 1 "disable, wait until deployed, delete the distribution; the shared OAC stays (dom uses it)"
contains "$ERR" "deploying" "waiting with progress on stderr"
is "$(awsc s3 ls s3://newbucket/cluster/ --recursive 2>/dev/null | wc -l | tr -d ' ')" 0 "the documents and the retention state are gone"
is "$(awsc s3api get-bucket-policy --bucket newbucket --query Policy --output text 2>/dev/null | py "import json,sys; print(sorted(s['Resource'] for s in json.load(sys.stdin)['Statement']))")" \
	"['arn:aws:s3:::newbucket', 'arn:aws:s3:::newbucket/dom/*']" "only saoidc's statement for this prefix left the policy (someone's and dom's stay)"
run "$SAOIDC" unpublish s3://newbucket/dom
is "$(state | py "import json,sys; s=json.load(sys.stdin); print(sum('saoidc issuer' in d['config'] for d in s['dists'].values()), len(s['oacs']))")" "0 0" "the last saoidc distribution of the bucket takes the OAC with it"
is "$(state | py "import json,sys; print(len(json.load(sys.stdin)['dists']))")" 1 "and the distribution saoidc did not make is still there"
clear_logs
run "$SAOIDC" unpublish s3://newbucket/dom
is "$RC" 0 "unpublish again exits 0"
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 4" "and writes nothing but the (idempotent) deletes of the four objects"
contains "$(awsc s3api head-bucket --bucket newbucket 2>&1; echo rc=$?)" "rc=0" "the bucket itself stays"

# ---- --private --dry-run: reads, prints the writes, makes none ------------------------------------
clear_logs
run "$SAOIDC" publish --private --create-bucket --dry-run --key "$K" s3://drybucket/x
is "$RC" 0 "--private --dry-run exits 0"
contains "$ERR" "would create bucket drybucket" "it says what it would create"
contains "$ERR" "would create a CloudFront distribution" "down to the distribution"
is "$(cf_writes "$T_TMP/cf.log") $(s3_writes)" "0 0" "and writes nothing"

# ---- --create-bucket for the public modes ------------------------------------------------------------
clear_logs
run "$SAOIDC" publish --create-bucket --key "$K" s3://pubacl/x
is "$RC" 0 "--create-bucket with public-read ACLs exits 0"
contains "$(awsc s3api get-bucket-ownership-controls --bucket pubacl 2>&1)" "ObjectWriter" "the new bucket takes ACLs (ObjectWriter)"
is "$(awsc s3api get-public-access-block --bucket pubacl --query 'PublicAccessBlockConfiguration.[BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets]' --output text 2>&1)" \
	"False	False	True	True" "public ACLs allowed, public policies still blocked"
is "$(grep '"method": "PUT", "path": "/pubacl/x/' "$T_TMP/s3.log" | grep -c '"acl": "public-read"')" 2 "the documents went up public-read"
run "$SAOIDC" publish --create-bucket --acl none --key "$K" s3://pubpol/x
is "$RC" 0 "--create-bucket --acl none exits 0"
contains "$(awsc s3api get-bucket-ownership-controls --bucket pubpol 2>&1)" "BucketOwnerEnforced" "the new bucket has ACLs disabled"
is "$(awsc s3api get-public-access-block --bucket pubpol --query 'PublicAccessBlockConfiguration.[BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets]' --output text 2>&1)" \
	"True	True	False	False" "public ACLs blocked, public policies allowed"
is "$(awsc s3api get-bucket-policy --bucket pubpol --query Policy --output text 2>/dev/null | py "import json,sys; s=json.load(sys.stdin)['Statement'][0]; print(s['Principal'], s['Action'], s['Resource'])")" \
	"* s3:GetObject arn:aws:s3:::pubpol/x/*" "and the public-read statement for the prefix"
clear_logs
run "$SAOIDC" publish --create-bucket --acl none --key "$K" s3://pubpol/x
contains "$ERR" "left as they are" "an existing bucket's settings are not touched"
is "$(s3_writes)" 0 "and nothing is written"

# ---- --register: the provider for the CloudFront issuer; the issuer stays the last line -----------
IP=$(free_port)
/usr/bin/python3 "$HERE/iam_emulator.py" --listen "$IP" --key S3RVER:S3RVER --log "$T_TMP/iam.log" >"$T_TMP/iam.out" 2>&1 &
IAMPID=$!
trap 'kill $S3PID $PXPID $CFPID $DENYPID $IAMPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for grep -q listening "$T_TMP/iam.out"
run env AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$IP/" "$SAOIDC" publish --private --register --thumbprint none --key "$K" s3://existing/reg
is "$RC" 0 "publish --private --register exits 0"
ISSR=$(printf '%s\n' "$OUT" | tail -n 1)
case "$ISSR" in https://d*.cloudfront.net/reg) pass "the last stdout line is the CloudFront issuer" ;; *) fail "the last stdout line is the CloudFront issuer" "$OUT" ;; esac
is "$(printf '%s\n' "$OUT" | head -n 1)" "arn:aws:iam::123456789012:oidc-provider/${ISSR#https://}" "the provider ARN, for that issuer, comes before it"

# ---- verify explains a distribution still deploying ------------------------------------------------
run "$SAOIDC" verify --issuer https://d111111abcdef8.cloudfront.net/x --connect-to "127.0.0.1:$(free_port)"
contains "$OUT" "still deploying" "verify on a CloudFront issuer that does not answer says the distribution may still be deploying"
done_testing
