#!/usr/bin/python3
"""A CloudFront API (2020-05-31) stand-in on loopback, for the calls saoidc makes: origin access
controls, distributions, invalidations. Every request's SigV4 signature is recomputed with
python3-botocore's signer (service cloudfront, --region's signing region), every request body
is checked against botocore's cloudfront model (shapecheck.py: member names, order, required
members, enums), and every answer is checked the same way, and parsed by botocore's own
RestXMLParser, before it is sent: a bad request gets CloudFront's error, a bad answer a 500
that the log records. ETags and If-Match, Status InProgress -> Deployed after --deploy-seconds,
and CloudFront's error codes are played as CloudFront plays them.

usage: cloudfront_standin.py --listen PORT --key AKID:SECRET --log FILE [--region R]
                             [--deploy-seconds S] [--fail-once ACTION:CODE ...] [--hang-once ACTION ...]
                             [--seed N]
--hang-once ACTION does the first such call, then holds its answer back for a minute: a test
kills the client meanwhile, as a crash right after the call would.
--seed N starts with N other distributions and N other origin access controls, as in a large
account; the lists are paged as CloudFront pages them (Marker, MaxItems up to 100, NextMarker).
GET /state answers the state as JSON (for the tests); DELETE /state/distribution/ID removes a
distribution behind the client's back (as someone with the console would).
"""
import argparse
import json
import urllib.parse
import random
import re
import string
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import shapecheck
import sigv4check
from testhttp import reply

NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
ACCOUNT = "123456789012"
STATUS = {"AccessDenied": 403, "NoSuchDistribution": 404, "NoSuchOriginAccessControl": 404, "NoSuchInvalidation": 404,
          "DistributionAlreadyExists": 409, "OriginAccessControlAlreadyExists": 409, "DistributionNotDisabled": 409,
          "OriginAccessControlInUse": 409, "PreconditionFailed": 412, "InvalidIfMatchVersion": 400,
          "MalformedInput": 400, "InvalidArgument": 400, "SignatureDoesNotMatch": 403}


def now_iso(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() if t is None else t))


def rand(chars, n):
    return "".join(random.choice(chars) for _ in range(n))


def inner(xml, root):
    """The children of the root element, as text (the stored configuration)."""
    m = re.search(r"<%s[^>]*>(.*)</%s>\s*$" % (root, root), xml, re.S)
    return m.group(1) if m else ""


def child(xml, name):
    m = re.search(r"<%s>(.*?)</%s>" % (name, name), xml, re.S)
    return m.group(1) if m else None


class State:
    def __init__(self):
        self.oacs = {}  # id -> {name, config, etag}
        self.dists = {}  # id -> {config, etag, created, domain, status_until, invalidations: [...]}
        self.refs = set()

    def seed(self, n):
        """n distributions of other buckets, each with its origin access control: a large account."""
        for i in range(n):
            oid = "E0SEEDOAC%05d" % i
            self.oacs[oid] = {"name": "other-%d" % i, "etag": "ESEED",
                              "config": "<Name>other-%d</Name><Description>seeded</Description><SigningProtocol>sigv4</SigningProtocol>"
                                        "<SigningBehavior>always</SigningBehavior><OriginAccessControlOriginType>s3</OriginAccessControlOriginType>" % i}
            cfg = ("<CallerReference>seed-%d</CallerReference><Aliases><Quantity>0</Quantity></Aliases>"
                   "<Origins><Quantity>1</Quantity><Items><Origin><Id>s3</Id><DomainName>other-%d.s3.us-east-1.amazonaws.com</DomainName>"
                   "<OriginPath></OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig>"
                   "<OriginAccessControlId>%s</OriginAccessControlId></Origin></Items></Origins>"
                   "<DefaultCacheBehavior><TargetOriginId>s3</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>"
                   "</DefaultCacheBehavior><Comment>other %d</Comment><Enabled>true</Enabled>"
                   "<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate></ViewerCertificate>" % (i, i, oid, i))
            self.refs.add("seed-%d" % i)
            self.dists["E0SEEDDIST%04d" % i] = {"config": cfg, "etag": "ESEED", "modified": time.time(),
                                                "domain": "dseed%05d.cloudfront.net" % i, "status_until": 0, "invalidations": []}


def page(items, query):
    """One page of a CloudFront list: the items after Marker, at most MaxItems (100 by default)."""
    q = urllib.parse.parse_qs(query)
    marker = q.get("Marker", [""])[0]
    try:
        most = max(1, min(100, int(q.get("MaxItems", ["100"])[0])))
    except ValueError:
        most = 100
    ids = list(items)
    start = ids.index(marker) + 1 if marker in items else 0
    chunk = ids[start:start + most]
    more = start + most < len(ids)
    head = "<Marker>%s</Marker>%s<MaxItems>%d</MaxItems><IsTruncated>%s</IsTruncated><Quantity>%d</Quantity>" % (
        escape(marker), "<NextMarker>%s</NextMarker>" % chunk[-1] if more and chunk else "", most,
        "true" if more else "false", len(chunk))
    return chunk, head


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def error(self, code, message):
        return STATUS.get(code, 400), ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>Sender</Type>'
                                       '<Code>%s</Code><Message>%s</Message></Error><RequestId>req</RequestId>'
                                       '</ErrorResponse>' % (NS, code, escape(message))), {}

    def if_match(self, etag):
        """CloudFront's answer when If-Match is missing or not the current ETag; None when it is."""
        given = self.headers.get("If-Match")
        if given == etag:
            return None
        return self.error("PreconditionFailed" if given else "InvalidIfMatchVersion", "If-Match")

    def dist_status(self, d):
        return "Deployed" if time.time() >= d["status_until"] else "InProgress"

    def dist_xml(self, did, d):
        cfg = d["config"]
        return ('<Distribution xmlns="%s"><Id>%s</Id><ARN>arn:aws:cloudfront::%s:distribution/%s</ARN>'
                '<Status>%s</Status><LastModifiedTime>%s</LastModifiedTime>'
                '<InProgressInvalidationBatches>%d</InProgressInvalidationBatches><DomainName>%s</DomainName>'
                '<DistributionConfig>%s</DistributionConfig></Distribution>'
                % (NS, did, ACCOUNT, did, self.dist_status(d), now_iso(d["modified"]),
                   sum(1 for i in d["invalidations"] if time.time() < i["until"]), d["domain"], cfg))

    def summary_xml(self, did, d):
        cfg = d["config"]
        parts = ["<Id>%s</Id><ARN>arn:aws:cloudfront::%s:distribution/%s</ARN><Status>%s</Status>"
                 "<LastModifiedTime>%s</LastModifiedTime><DomainName>%s</DomainName>"
                 % (did, ACCOUNT, did, self.dist_status(d), now_iso(d["modified"]), d["domain"])]
        for name, default in (("Aliases", "<Quantity>0</Quantity>"), ("Origins", None), ("OriginGroups", "<Quantity>0</Quantity>"),
                              ("DefaultCacheBehavior", None), ("CacheBehaviors", "<Quantity>0</Quantity>"),
                              ("CustomErrorResponses", "<Quantity>0</Quantity>"), ("Comment", None),
                              ("PriceClass", "PriceClass_All"), ("Enabled", None), ("ViewerCertificate", None),
                              ("Restrictions", "<GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction>"),
                              ("WebACLId", ""), ("HttpVersion", "http2"), ("IsIPV6Enabled", "true"), ("Staging", "false")):
            v = child(cfg, name)
            parts.append("<%s>%s</%s>" % (name, v if v is not None else default or "", name))
        return "<DistributionSummary>%s</DistributionSummary>" % "".join(parts)

    def oac_xml(self, oid, o):
        return '<OriginAccessControl xmlns="%s"><Id>%s</Id><OriginAccessControlConfig>%s</OriginAccessControlConfig></OriginAccessControl>' % (NS, oid, o["config"])

    def inv_xml(self, i):
        st = "Completed" if time.time() >= i["until"] else "InProgress"
        return ('<Invalidation xmlns="%s"><Id>%s</Id><Status>%s</Status><CreateTime>%s</CreateTime>'
                '<InvalidationBatch>%s</InvalidationBatch></Invalidation>' % (NS, i["id"], st, now_iso(i["created"]), i["batch"]))

    def route(self, method, path, body):
        """(operation, status, xml, headers)"""
        st, srv = self.server.state, self.server
        p = path.split("?", 1)[0]
        m = re.fullmatch(r"/2020-05-31/(origin-access-control|distribution)(?:/([A-Z0-9]+))?(?:/(config|invalidation))?(?:/([A-Z0-9]+))?", p)
        if not m:
            return ("Unknown",) + self.error("InvalidArgument", "no such resource %s" % p)
        kind, rid, sub, iid = m.groups()
        query = path.split("?", 1)[1] if "?" in path else ""
        if kind == "origin-access-control":
            if rid is None and method == "GET":
                chunk, head = page(st.oacs, query)
                items = "".join("<OriginAccessControlSummary><Id>%s</Id><Description>%s</Description><Name>%s</Name>"
                                "<SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior>"
                                "<OriginAccessControlOriginType>s3</OriginAccessControlOriginType></OriginAccessControlSummary>"
                                % (oid, child(st.oacs[oid]["config"], "Description") or "", escape(st.oacs[oid]["name"]))
                                for oid in chunk)
                return ("ListOriginAccessControls", 200, '<OriginAccessControlList xmlns="%s">%s%s</OriginAccessControlList>'
                        % (NS, head, "<Items>%s</Items>" % items if chunk else ""), {})
            if rid is None and method == "POST":
                op = "CreateOriginAccessControl"
                cfg = inner(body, "OriginAccessControlConfig")
                name = child(cfg, "Name")
                if any(o["name"] == name for o in st.oacs.values()):
                    return (op,) + self.error("OriginAccessControlAlreadyExists", "an OAC named %s exists" % name)
                oid = "E" + rand(string.ascii_uppercase + string.digits, 13)
                st.oacs[oid] = {"name": name, "config": cfg, "etag": "E" + rand(string.ascii_uppercase, 12)}
                return (op, 201, self.oac_xml(oid, st.oacs[oid]), {"ETag": st.oacs[oid]["etag"],
                                                                    "Location": "https://cloudfront.amazonaws.com/2020-05-31/origin-access-control/" + oid})
            o = st.oacs.get(rid)
            op = "GetOriginAccessControl" if method == "GET" else "DeleteOriginAccessControl"
            if o is None:
                return (op,) + self.error("NoSuchOriginAccessControl", "no OAC %s" % rid)
            if method == "GET":
                return (op, 200, self.oac_xml(rid, o), {"ETag": o["etag"]})
            bad = self.if_match(o["etag"])
            if bad:
                return (op,) + bad
            if any("<OriginAccessControlId>%s</OriginAccessControlId>" % rid in d["config"] for d in st.dists.values()):
                return (op,) + self.error("OriginAccessControlInUse", "in use")
            del st.oacs[rid]
            return (op, 204, "", {})
        # distributions
        if rid is None and method == "GET":
            chunk, head = page(st.dists, query)
            items = "".join(self.summary_xml(did, st.dists[did]) for did in chunk)
            return ("ListDistributions", 200, '<DistributionList xmlns="%s">%s%s</DistributionList>'
                    % (NS, head, "<Items>%s</Items>" % items if chunk else ""), {})
        if rid is None and method == "POST":
            op = "CreateDistribution"
            cfg = inner(body, "DistributionConfig")
            ref = child(cfg, "CallerReference")
            if ref in st.refs:
                return (op,) + self.error("DistributionAlreadyExists", "CallerReference %s was used" % ref)
            oac = child(cfg, "OriginAccessControlId")
            if oac and oac not in st.oacs:
                return (op,) + self.error("NoSuchOriginAccessControl", "no OAC %s" % oac)
            st.refs.add(ref)
            did = "E" + rand(string.ascii_uppercase + string.digits, 13)
            st.dists[did] = {"config": cfg, "etag": "E" + rand(string.ascii_uppercase, 12), "modified": time.time(),
                             "domain": "d" + rand(string.ascii_lowercase + string.digits, 13) + ".cloudfront.net",
                             "status_until": time.time() + srv.deploy, "invalidations": []}
            d = st.dists[did]
            return (op, 201, self.dist_xml(did, d), {"ETag": d["etag"], "Location": "https://cloudfront.amazonaws.com/2020-05-31/distribution/" + did})
        d = st.dists.get(rid)
        if d is None:
            return ("Distribution",) + self.error("NoSuchDistribution", "no distribution %s" % rid)
        if sub is None and method == "GET":
            return ("GetDistribution", 200, self.dist_xml(rid, d), {"ETag": d["etag"]})
        if sub is None and method == "DELETE":
            op = "DeleteDistribution"
            bad = self.if_match(d["etag"])
            if bad:
                return (op,) + bad
            if child(d["config"], "Enabled") != "false" or self.dist_status(d) != "Deployed":
                return (op,) + self.error("DistributionNotDisabled", "disable it and wait until it is deployed")
            del st.dists[rid]
            return (op, 204, "", {})
        if sub == "config" and method == "GET":
            return ("GetDistributionConfig", 200, '<DistributionConfig xmlns="%s">%s</DistributionConfig>' % (NS, d["config"]), {"ETag": d["etag"]})
        if sub == "config" and method == "PUT":
            op = "UpdateDistribution"
            bad = self.if_match(d["etag"])
            if bad:
                return (op,) + bad
            new = inner(body, "DistributionConfig")
            if child(new, "CallerReference") != child(d["config"], "CallerReference"):
                return (op,) + self.error("InvalidArgument", "CallerReference cannot change")
            d.update(config=new, etag="E" + rand(string.ascii_uppercase, 12), modified=time.time(),
                     status_until=time.time() + srv.deploy)
            return (op, 200, self.dist_xml(rid, d), {"ETag": d["etag"]})
        if sub == "invalidation" and iid is None and method == "POST":
            op = "CreateInvalidation"
            batch = inner(body, "InvalidationBatch")
            inv = {"id": "I" + rand(string.ascii_uppercase + string.digits, 13), "batch": batch, "created": time.time(),
                   "until": time.time() + srv.deploy}
            d["invalidations"].insert(0, inv)
            return (op, 201, self.inv_xml(inv), {"Location": "https://cloudfront.amazonaws.com/2020-05-31/distribution/%s/invalidation/%s" % (rid, inv["id"])})
        if sub == "invalidation" and iid is None and method == "GET":
            items = "".join("<InvalidationSummary><Id>%s</Id><CreateTime>%s</CreateTime><Status>%s</Status></InvalidationSummary>"
                            % (i["id"], now_iso(i["created"]), "Completed" if time.time() >= i["until"] else "InProgress")
                            for i in d["invalidations"])
            return ("ListInvalidations", 200, '<InvalidationList xmlns="%s"><Marker></Marker><MaxItems>100</MaxItems>'
                    '<IsTruncated>false</IsTruncated><Quantity>%d</Quantity>%s</InvalidationList>'
                    % (NS, len(d["invalidations"]), "<Items>%s</Items>" % items if items else ""), {})
        if sub == "invalidation" and method == "GET":
            inv = next((i for i in d["invalidations"] if i["id"] == iid), None)
            if inv is None:
                return ("GetInvalidation",) + self.error("NoSuchInvalidation", "no invalidation %s" % iid)
            return ("GetInvalidation", 200, self.inv_xml(inv), {})
        return ("Unknown",) + self.error("InvalidArgument", "unsupported %s %s" % (method, path))

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path == "/state" and self.command == "GET":
            st = self.server.state
            out = json.dumps({"oacs": {k: {"name": v["name"]} for k, v in st.oacs.items()},
                              "dists": {k: {"config": v["config"], "domain": v["domain"], "invalidations": [i["batch"] for i in v["invalidations"]]}
                                        for k, v in st.dists.items()}}).encode()
            return reply(self, 200, out, "application/json", [])
        m = re.fullmatch(r"/state/distribution/([A-Z0-9]+)", self.path)
        if m and self.command == "DELETE":
            with self.server.lock:
                gone = self.server.state.dists.pop(m.group(1), None)
            return reply(self, 204 if gone else 404, b"", None, [])
        bad = sigv4check.check(self.command, self.path, self.headers, body, self.server.keys, service="cloudfront",
                               region=self.server.region)
        record = {"method": self.command, "path": self.path, "signed": bad is None}
        with self.server.lock:
            self._extra = {}
            if bad:
                op, status, xml, hdrs = (guess_op(self.command, self.path),) + self.error("SignatureDoesNotMatch", bad)
            else:
                op, status, xml, hdrs = self.dispatch(body)
            record.update(action=op, status=status)
            with open(self.server.log, "a") as f:
                f.write(json.dumps(dict(record, **getattr(self, "_extra", {}))) + "\n")
            hang = self.server.hang_once.pop(op, None) is not None
        if hang:
            time.sleep(60)
        reply(self, status, xml.encode(), "text/xml" if xml else None, list(hdrs.items()))

    def dispatch(self, body):
        text = body.decode("utf-8", "replace")
        op = guess_op(self.command, self.path)
        if op in ("CreateDistribution", "UpdateDistribution", "CreateOriginAccessControl", "CreateInvalidation"):
            errs = shapecheck.check_request("cloudfront", op, body)
            if errs:
                self._extra = {"invalid": errs}
                return (op,) + self.error("MalformedInput", "; ".join(errs)[:500])
        fail = self.server.fail_once.pop(op, None)
        if fail:
            return (op,) + self.error(fail, "injected: %s on %s" % (fail, op))
        op, status, xml, hdrs = self.route(self.command, self.path, text)
        if status // 100 == 2 and op != "Unknown":
            errs = shapecheck.check_response("cloudfront", op, status, dict(hdrs), xml.encode())
            if errs:
                self._extra = {"bad_response": errs}
                return (op, 500, "", {})
        return op, status, xml, hdrs

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def guess_op(method, path):
    p = path.split("?", 1)[0]
    table = [("GET", r"/2020-05-31/origin-access-control", "ListOriginAccessControls"),
             ("POST", r"/2020-05-31/origin-access-control", "CreateOriginAccessControl"),
             ("GET", r"/2020-05-31/origin-access-control/[^/]+", "GetOriginAccessControl"),
             ("DELETE", r"/2020-05-31/origin-access-control/[^/]+", "DeleteOriginAccessControl"),
             ("GET", r"/2020-05-31/distribution", "ListDistributions"),
             ("POST", r"/2020-05-31/distribution", "CreateDistribution"),
             ("GET", r"/2020-05-31/distribution/[^/]+", "GetDistribution"),
             ("DELETE", r"/2020-05-31/distribution/[^/]+", "DeleteDistribution"),
             ("GET", r"/2020-05-31/distribution/[^/]+/config", "GetDistributionConfig"),
             ("PUT", r"/2020-05-31/distribution/[^/]+/config", "UpdateDistribution"),
             ("POST", r"/2020-05-31/distribution/[^/]+/invalidation", "CreateInvalidation"),
             ("GET", r"/2020-05-31/distribution/[^/]+/invalidation", "ListInvalidations"),
             ("GET", r"/2020-05-31/distribution/[^/]+/invalidation/[^/]+", "GetInvalidation")]
    for m, rx, op in table:
        if m == method and re.fullmatch(rx, p):
            return op
    return "Unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--deploy-seconds", type=float, default=1.0)
    ap.add_argument("--fail-once", action="append", default=[])
    ap.add_argument("--hang-once", action="append", default=[])
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), H)
    srv.keys = dict([a.key.split(":", 1)])
    srv.log, srv.region, srv.deploy, srv.lock, srv.state = a.log, a.region, a.deploy_seconds, threading.Lock(), State()
    srv.fail_once = dict(f.split(":", 1) for f in a.fail_once)
    srv.hang_once = dict.fromkeys(a.hang_once, True)
    srv.state.seed(a.seed)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
