"""Compares saoidc's endpoint resolver (src/aws/endpoint.c, through the endpoint_resolve test
helper) with botocore's own resolution, for every region in botocore's endpoint data (all
partitions): S3, STS, IAM and CloudFront, with and without FIPS, and dual-stack for S3 and STS. botocore
resolves a real request (PutObject, GetCallerIdentity, ListOpenIDConnectProviders) up to the
moment it would be sent; the URL's host and the credential scope's region are compared.
Configuration on botocore's side: regional STS and regional us-east-1 S3, which is what saoidc
does (and what the SDKs default to now).
Prints TAP lines (one per region), numbered from --start. usage: endpoints_check.py HELPER"""
import json
import os
import re
import subprocess
import sys
import urllib.parse

import botocore
import botocore.session
from botocore.config import Config

# Where saoidc refuses on purpose although this botocore resolves (see doc/aws-partitions.md):
# IAM has no FIPS endpoint in China (botocore versions disagree: iam-fips.cn-north-1... in
# 1.29, iam-fips.amazonaws.com.cn in 1.3x; neither is documented by AWS); the isolated
# partitions have no dual-stack endpoints (botocore 1.29 data says so for STS; its S3 rules
# make up one).
# Where botocore 1.29 (Debian 12) answers for one region what later botocore answers for the
# whole partition, saoidc follows the later one: IAM is one endpoint per partition.
LATER = {
    ("iam", "us-iso-west-1", True, False): "https://iam-fips.us-iso-east-1.c2s.ic.gov us-iso-east-1",
}
REFUSED = [
    (lambda svc, part, f, d: svc == "iam" and part == "aws-cn" and f, "IAM has no FIPS endpoint"),
    (lambda svc, part, f, d: d and part.startswith("aws-iso"), "no dual-stack endpoints"),
    # CloudFront's API lives in aws and aws-cn only, and has no FIPS endpoint; botocore makes up
    # hosts (cloudfront-fips.REGION..., cloudfront.us-gov-west-1...) that AWS does not document.
    (lambda svc, part, f, d: svc == "cloudfront" and part not in ("aws", "aws-cn"), "CloudFront is not available"),
    (lambda svc, part, f, d: svc == "cloudfront" and f, "CloudFront's API has no FIPS endpoint"),
]


class Captured(Exception):
    pass


def boto(session, svc, region, fips, ds):
    os.environ["AWS_STS_REGIONAL_ENDPOINTS"] = "regional"
    cfg = Config(region_name=region, use_fips_endpoint=fips, use_dualstack_endpoint=ds,
                 s3={"us_east_1_regional_endpoint": "regional", "addressing_style": "virtual"},
                 retries={"max_attempts": 0})
    got = {}

    def h(request, **kw):
        a = request.headers.get("Authorization")
        a = a.decode() if isinstance(a, bytes) else a
        host = urllib.parse.urlsplit(request.url).netloc
        # virtual-hosted (S3's FIPS endpoints take no other style): the service host follows the bucket
        got["host"] = host[len("bucket."):] if svc == "s3" and host.startswith("bucket.") else host
        got["region"] = re.search(r"Credential=[^/]+/\d+/([^/]+)/", a).group(1)
        raise Captured()
    try:
        c = session.create_client(svc, region_name=region, config=cfg, aws_access_key_id="AKIDEXAMPLE",
                                  aws_secret_access_key="secret")
        c.meta.events.register("before-send", h)
        if svc == "s3":
            c.put_object(Bucket="bucket", Key="p/keys.json", Body=b"")
        elif svc == "sts":
            c.get_caller_identity()
        elif svc == "iam":
            c.list_open_id_connect_providers()
        else:
            c.list_distributions()
    except Captured:
        return "https://%s %s" % (got["host"], got["region"])
    except Exception as e:  # botocore refuses this combination
        return "ERROR " + type(e).__name__
    return "ERROR no request"


def main():
    helper = sys.argv[1]
    for k in list(os.environ):
        if k.startswith("AWS_"):
            del os.environ[k]
    data = json.load(open(os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")))
    cases = []
    for p in data["partitions"]:
        for region in sorted(p["regions"]):
            for svc in ("s3", "sts", "iam", "cloudfront"):
                for fips in (False, True):
                    for ds in ((False, True) if svc in ("s3", "sts") else (False,)):
                        cases.append((p["partition"], region, svc, fips, ds))
    inp = "".join("%s %s %d %d\n" % (svc, r, f, d) for _, r, svc, f, d in cases)
    ours = subprocess.run([helper], input=inp, capture_output=True, text=True, check=True).stdout.splitlines()
    # Every region botocore knows is one saoidc takes without --allow-unknown-region.
    regions = sorted({r for _, r, _, _, _ in cases})
    known = subprocess.run([helper], input="".join("known %s 0 0\n" % r for r in regions), capture_output=True,
                           text=True, check=True).stdout.splitlines()
    unknown = [r for r, k in zip(regions, known) if k != "KNOWN"]
    print("%s 1 - saoidc knows every one of botocore %s's %d regions%s" % (
        "not ok" if unknown else "ok", botocore.__version__, len(regions), ": missing " + " ".join(unknown) if unknown else ""))
    session = botocore.session.get_session()
    results = {}
    for (part, region, svc, fips, ds), mine in zip(cases, ours):
        theirs = boto(session, svc, region, fips, ds)
        why = next((w for cond, w in REFUSED if cond(svc, part, fips, ds)), None)
        label = "%s %s%s%s" % (svc, "fips " if fips else "", "dualstack " if ds else "", region)
        if botocore.__version__.startswith("1.29.") and (svc, region, fips, ds) in LATER:
            theirs = LATER[(svc, region, fips, ds)]
        if why is not None:
            good = mine.startswith("ERROR") and why in mine
            detail = "want a refusal naming '%s', got %s (botocore: %s)" % (why, mine, theirs)
        elif theirs.startswith("ERROR"):
            good = mine.startswith("ERROR")
            detail = "botocore refuses (%s), saoidc: %s" % (theirs, mine)
        else:
            good = mine == theirs
            detail = "saoidc: %s, botocore: %s" % (mine, theirs)
        results.setdefault((part, region), []).append((good, label, detail))
    n = 1
    for (part, region), rs in results.items():
        n += 1
        bad = [r for r in rs if not r[0]]
        print("%s %d - %s %s: %d endpoints as botocore %s resolves them" % (
            "not ok" if bad else "ok", n, part, region, len(rs), botocore.__version__))
        for _, label, detail in bad[:6]:
            print("#   %s: %s" % (label, detail))
    print("1..%d" % n)


if __name__ == "__main__":
    main()
