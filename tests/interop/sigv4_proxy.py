#!/usr/bin/python3
"""A loopback proxy in front of an S3 (or other AWS-like) test server that checks every
request's AWS Signature Version 4 with python3-botocore's own signer before forwarding it.
A request whose signature botocore computes differently is answered as S3 answers it: 403
SignatureDoesNotMatch. s3rver does not check v4 signatures itself; this makes the tests do it.

usage: sigv4_proxy.py --listen PORT --upstream http://127.0.0.1:PORT --log FILE
                      --key AKID:SECRET [--key ...] [--acl-disabled] [--block-public-acls] [--fail-first N]
The log gets one JSON line per request: method, path, signed, status, acl, and the signature's
credential scope ("REGION/SERVICE").
The bucket configuration calls s3rver lacks are answered here, from memory, as S3 answers them:
?publicAccessBlock, ?ownershipControls and ?policy (GET, PUT, DELETE), with Content-MD5 checked
and request bodies checked against botocore's s3 model (shapecheck.py); CreateBucket bodies are
checked too, then forwarded. Conditional PUTs (If-Match, If-None-Match: *), which s3rver lacks
too, are checked here against the object's ETag, atomically with the write; a mismatch gets
412 PreconditionFailed.
"""
import argparse
import http.client
import http.server
import json
import sys
import threading
import urllib.parse

import base64
import time
import hashlib
import zlib

import shapecheck
import sigv4check
from testhttp import reply

def s3_error(code, message, status):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            '<RequestId>saoidc-test</RequestId></Error>' % (code, message)).encode()
    return status, body


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def verify(self, body):
        why = sigv4check.check(self.command, self.path, self.headers, body, self.server.keys)
        return why is None, why or "ok"

    def handle_any(self):
        self._invalid = None
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ok, why = self.verify(body)
        acl = self.headers.get("x-amz-acl")
        m = sigv4check.AUTH_RE.match(self.headers.get("Authorization", "") or "")
        record = {"scope": "%s/%s" % m.group(3, 4) if m else None, "method": self.command, "path": self.path,
                  "signed": ok, "why": why, "acl": acl, "token": self.headers.get("x-amz-security-token") is not None}
        if not ok:
            status, out = s3_error("SignatureDoesNotMatch", "The request signature we calculated does not match "
                                   "the signature you provided. (" + why + ")", 403)
            ctype = "application/xml"
            rheaders = []
        elif sigv4check.skew(self.headers):
            status, out = s3_error("RequestTimeTooSkewed", "The difference between the request time and the current "
                                   "time is too large.", 403)
            ctype = "application/xml"
            rheaders = []
        elif self.bucket_config() is not None:
            status, out, ctype = self.bucket_config_answer(body)
            rheaders = []
        elif (self.command == "PUT" and body and "?" not in self.path and self.path.strip("/").count("/") == 0
              and shapecheck.check_request("s3", "CreateBucket", body)):
            errs = shapecheck.check_request("s3", "CreateBucket", body)
            self._invalid = errs
            status, out = s3_error("MalformedXML", "; ".join(errs), 400)
            ctype = "application/xml"
            rheaders = []
        elif self.server.acl_disabled and self.command == "PUT" and acl:
            status, out = s3_error("AccessControlListNotSupported", "The bucket does not allow ACLs", 400)
            ctype = "application/xml"
            rheaders = []
        elif self.server.block_public_acls and self.command == "PUT" and acl == "public-read":
            status, out = s3_error("AccessDenied", "Access Denied", 403)
            ctype = "application/xml"
            rheaders = []
        elif self.server.fail_first > 0:
            with self.server.lock:
                self.server.fail_first -= 1
            status, out = s3_error("SlowDown", "Please reduce your request rate.", 503)
            ctype = "application/xml"
            rheaders = []
        elif self.command == "PUT" and (self.headers.get("If-Match") or self.headers.get("If-None-Match")):
            # S3's conditional writes, which s3rver lacks: the check and the write are one step.
            if self.server.slow_put_ms:
                time.sleep(self.server.slow_put_ms / 1000.0)
            with self.server.cond_lock:
                head_status, _, head = self.upstream("HEAD", b"")
                etag = dict((k.lower(), v) for k, v in head).get("etag")
                want, none = self.headers.get("If-Match"), self.headers.get("If-None-Match")
                if (none == "*" and head_status == 200) or (want is not None and (head_status != 200 or etag != want)):
                    status, out = s3_error("PreconditionFailed", "At least one of the pre-conditions you specified "
                                           "did not hold", 412)
                    ctype, rheaders = "application/xml", []
                else:
                    status, out, rheaders = self.upstream("PUT", body)
                    ctype = None
        else:
            status, out, rheaders = self.upstream(self.command, body)
            ctype = None
        record["status"] = status
        if getattr(self, "_invalid", None):
            record["invalid"] = self._invalid
        with self.server.lock:
            with open(self.server.log, "a") as f:
                f.write(json.dumps(record) + "\n")
        reply(self, status, out, ctype, rheaders)

    def upstream(self, method, body):
        """Forwards the request to the S3 server: (status, body, headers to pass on)."""
        up = urllib.parse.urlsplit(self.server.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        fwd = {k: v for k, v in self.headers.items()
               if k.lower() not in ("connection", "content-length", "if-match", "if-none-match")}
        conn.request(method, self.path, body=body if body else None, headers=fwd)
        resp = conn.getresponse()
        out = resp.read()
        headers = [(k, v) for k, v in resp.getheaders()
                   if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive")]
        conn.close()
        return resp.status, out, headers

    def bucket_config(self):
        """("publicAccessBlock"|"ownershipControls"|"policy", bucket) for a bucket configuration call."""
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        sub = query.split("=", 1)[0]
        if len(parts) == 1 and parts[0] and sub in ("publicAccessBlock", "ownershipControls", "policy"):
            return sub, parts[0]
        return None

    def bucket_config_answer(self, body):
        sub, bucket = self.bucket_config()
        conf = self.server.buckets.setdefault(bucket, {})
        missing = {"publicAccessBlock": "NoSuchPublicAccessBlockConfiguration",
                   "ownershipControls": "OwnershipControlsNotFoundError", "policy": "NoSuchBucketPolicy"}[sub]
        op = {"publicAccessBlock": "PutPublicAccessBlock", "ownershipControls": "PutBucketOwnershipControls",
              "policy": "PutBucketPolicy"}[sub]
        if self.command == "GET":
            if sub not in conf:
                return s3_error(missing, "The configuration does not exist", 404) + ("application/xml",)
            return 200, conf[sub], "application/json" if sub == "policy" else "application/xml"
        if self.command == "DELETE":
            conf.pop(sub, None)
            return 204, b"", None
        if self.command != "PUT":
            return s3_error("MethodNotAllowed", "method not allowed", 405) + ("application/xml",)
        # S3 wants an integrity check on these: Content-MD5, or (newer SDKs) an x-amz-checksum-*.
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        given_md5, given_crc = self.headers.get("Content-MD5"), self.headers.get("x-amz-checksum-crc32")
        if (given_md5 is None and given_crc is None) or given_md5 not in (None, md5) or given_crc not in (None, crc):
            return s3_error("InvalidDigest", "Content-MD5 (or x-amz-checksum-crc32) is missing or does not match "
                            "the body", 400) + ("application/xml",)
        if sub == "policy":
            try:
                json.loads(body)
            except ValueError:
                return s3_error("MalformedPolicy", "Policies must be valid JSON", 400) + ("application/xml",)
        else:
            errs = shapecheck.check_request("s3", op, body)
            if errs:
                self._invalid = errs
                return s3_error("MalformedXML", "; ".join(errs), 400) + ("application/xml",)
        conf[sub] = body
        return 200, b"", None

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--key", action="append", default=[])
    ap.add_argument("--acl-disabled", action="store_true", help="answer AccessControlListNotSupported to ACL PUTs")
    ap.add_argument("--block-public-acls", action="store_true", help="answer AccessDenied to public-read PUTs")
    ap.add_argument("--fail-first", type=int, default=0, help="answer 503 SlowDown to the first N signed requests")
    ap.add_argument("--slow-put-ms", type=int, default=0, help="hold conditional PUTs back this long (races)")
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.listen), Proxy)
    srv.upstream, srv.log, srv.acl_disabled, srv.lock = a.upstream, a.log, a.acl_disabled, threading.Lock()
    srv.block_public_acls, srv.fail_first = a.block_public_acls, a.fail_first
    srv.buckets, srv.cond_lock, srv.slow_put_ms = {}, threading.Lock(), a.slow_put_ms
    srv.keys = dict(k.split(":", 1) for k in a.key)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
