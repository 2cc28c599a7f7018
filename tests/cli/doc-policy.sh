#!/bin/sh
# doc/private-hosting.md's least-privilege policy must stay in step with the code: it is valid
# JSON, and every S3 and CloudFront action the code calls (the action names src/aws/bucket.c and
# src/aws/cloudfront.c give their calls, which are also the IAM actions their errors name) is
# granted in it, with nothing granted that no call needs.
. "$SRCDIR/tests/lib.sh"
OUT=$(/usr/bin/python3 - "$SRCDIR" <<'PY'
import json, re, sys
src = sys.argv[1]
doc = open(src + "/doc/private-hosting.md").read()
block = re.search(r"## The IAM permissions.*?```json\n(.*?)```", doc, re.S).group(1)
policy = json.loads(block)
granted = {a for s in policy["Statement"] for a in s["Action"]}
used = set()
for f, svc in (("bucket.c", "s3"), ("cloudfront.c", "cloudfront")):
    text = open(src + "/src/aws/" + f).read()
    # call(c, METHOD, ..., "Action", [ok_status,] &resp, err)
    used |= {"%s:%s" % (svc, a) for a in re.findall(r'"([A-Z][a-z][A-Za-z]+)",\s*(?:\d+,\s*)?&[a-z]+, err\)', text)}
    # lookup(c, path, "Action", "NoSuchThing", ...): a GET whose not-found is an answer
    used |= {"%s:%s" % (svc, a) for a in re.findall(r'lookup\(c, path, "([A-Z][a-z][A-Za-z]+)"', text)}
used |= {"s3:GetObject", "s3:PutObject"}  # publish's object sync (cmd/publish.c)
print("missing:", sorted(used - granted))
print("unused:", sorted(granted - used))
print("calls:", len(used))
PY
)
contains "$OUT" "missing: []" "the documented policy grants every action saoidc calls"
contains "$OUT" "unused: []" "and nothing more"
count=$(printf '%s\n' "$OUT" | sed -n 's/^calls: //p')
[ "${count:-0}" -ge 20 ] && pass "the action names were found in the code ($count)" || fail "the action names were found in the code" "$OUT"
done_testing
