"""Does an IAM policy grant what a run needed, and no more? The requests a run made are read from
the stand-ins' logs (sigv4_proxy.py's for S3, iam_emulator.py's for IAM) and turned into the IAM
actions and resource ARNs AWS authorizes them as (S3's "Actions, resources and condition keys"
table: a PUT carrying x-amz-acl also needs s3:PutObjectAcl); each must be allowed by a statement
whose Action and Resource match (IAM's wildcards). Prints "missing: [...]" (needed, not granted)
and "unused: [...]" (granted, not needed, less those named by --may-need)."""
import argparse
import fnmatch
import json
from urllib.parse import urlsplit, parse_qs

BUCKET_SUBRESOURCES = {
    "publicAccessBlock": "BucketPublicAccessBlock", "policy": "BucketPolicy",
    "ownershipControls": "BucketOwnershipControls", "acl": "BucketAcl", "location": "BucketLocation",
}
VERB = {"GET": "Get", "HEAD": "Get", "PUT": "Put", "DELETE": "Delete"}


def s3_needs(rec):
    u = urlsplit(rec["path"])
    q = parse_qs(u.query, keep_blank_values=True)
    parts = u.path.lstrip("/").split("/", 1)
    bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
    m = rec["method"]
    if key == "":
        arn = "arn:aws:s3:::" + bucket
        for sub, name in BUCKET_SUBRESOURCES.items():
            if sub in q:
                return [("s3:" + VERB[m] + name, arn)]
        if m == "PUT":
            return [("s3:CreateBucket", arn)]
        return [("s3:ListBucket", arn)]
    arn = "arn:aws:s3:::%s/%s" % (bucket, key)
    if m in ("GET", "HEAD"):
        return [("s3:GetObject", arn)]
    if m == "DELETE":
        return [("s3:DeleteObject", arn)]
    out = [("s3:PutObject", arn)]
    if rec.get("acl"):
        out.append(("s3:PutObjectAcl", arn))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", required=True)
    ap.add_argument("--s3-log", action="append", default=[])
    ap.add_argument("--iam-log", action="append", default=[])
    ap.add_argument("--provider-arn", required=True)
    ap.add_argument("--subst", action="append", default=[], help="OLD=NEW in the policy text")
    ap.add_argument("--may-need", action="append", default=[], help="granted for a later run")
    a = ap.parse_args()
    text = open(a.policy).read()
    for s in a.subst:
        old, new = s.split("=", 1)
        text = text.replace(old, new)
    stmts = json.loads(text)["Statement"]
    needed = set()
    for f in a.s3_log:
        for line in open(f):
            needed.update(s3_needs(json.loads(line)))
    for f in a.iam_log:
        for line in open(f):
            action = "iam:" + json.loads(line)["action"]
            needed.add((action, "*" if action == "iam:ListOpenIDConnectProviders" else a.provider_arn))

    def listed(v):
        return v if isinstance(v, list) else [v]

    def allowed(action, arn):
        return any(s["Effect"] == "Allow" and any(fnmatch.fnmatchcase(action, p) for p in listed(s["Action"]))
                   and any(fnmatch.fnmatchcase(arn, r) for r in listed(s["Resource"])) for s in stmts)

    missing = sorted("%s on %s" % n for n in needed if not allowed(*n))
    used = {act for act, _ in needed}
    granted = {act for s in stmts for act in listed(s["Action"])}
    print("missing:", missing)
    print("unused:", sorted(granted - used - set(a.may_need)))
    print("needed:", len(needed))


main()
