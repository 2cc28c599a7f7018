"""Checks an AWS Signature Version 4 request the way AWS does, with python3-botocore's own
signer: the test proxy in front of s3rver and the IAM emulator both use it."""
import calendar
import hashlib
import re
import time

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def check(method, path, headers, body, keys, service=None, region=None):
    """None if the request's signature is what botocore computes with the secret `keys` holds
    for its access key (and, if given, for that service and region); else the reason.
    `headers` is the request's header mapping (case-insensitive get)."""
    m = AUTH_RE.match(headers.get("Authorization", "") or "")
    if not m:
        return "missing or malformed Authorization"
    akid, _date, reg, svc, signed, signature = m.groups()
    secret = keys.get(akid)
    if secret is None:
        return "unknown access key"
    if (service is not None and svc != service) or (region is not None and reg != region):
        return "wrong service or region"
    signed_headers = {}
    for n in signed.split(";"):
        v = headers.get(n)
        if v is None:
            return "signed header %s missing" % n
        signed_headers[n] = v
    if "host" not in signed_headers:
        return "host is not signed"
    if svc == "s3" and signed_headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
        return "x-amz-content-sha256 does not match the body"
    req = AWSRequest(method=method, url="http://%s%s" % (signed_headers["host"], path), headers=signed_headers, data=body)
    req.context["timestamp"] = signed_headers["x-amz-date"]
    signer = (S3SigV4Auth if svc == "s3" else SigV4Auth)(
        Credentials(akid, secret, signed_headers.get("x-amz-security-token")), svc, reg)
    if signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req) != signature:
        return "botocore computes a different signature"
    return None


def skew(headers, window=900):
    """None if the request's X-Amz-Date is within AWS's 15 minutes of this machine's clock; else
    the message AWS's query APIs give (S3 answers RequestTimeTooSkewed instead)."""
    try:
        t = calendar.timegm(time.strptime(headers.get("x-amz-date") or "", "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None  # no date: check() has already refused the request
    now = int(time.time())

    def fmt(x):
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(x))
    if t < now - window:
        return "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (fmt(t), fmt(now - window), fmt(now))
    if t > now + window:
        return "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (fmt(t), fmt(now + window),
                                                                                         fmt(now))
    return None
