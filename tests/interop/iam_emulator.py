#!/usr/bin/python3
"""A small IAM emulator for the OpenID Connect provider actions, on loopback. Every request's
SigV4 signature is recomputed with python3-botocore's signer (service iam, and the signing
region of the partition it plays: us-east-1 unless --region says otherwise) and a mismatch,
or a scope of another region, gets IAM's SignatureDoesNotMatch. ARNs carry the partition of
--region, found with botocore's own partition data. Answers use IAM's real XML shapes and error codes.
State lives in memory for the life of the process; every call is logged as a JSON line.

usage: iam_emulator.py --listen PORT --key AKID:SECRET[:ACCOUNT] ... --log FILE [--fail-once ACTION:CODE]
                      [--region SIGNING_REGION]
"""
import argparse
import json
import os
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore

import sigv4check
from testhttp import reply

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
ACCOUNT = "123456789012"
STATUS = {"MalformedPolicyDocument": 400, "InvalidInput": 400, "EntityAlreadyExists": 409, "LimitExceeded": 409, "ConcurrentModification": 409,
          "NoSuchEntity": 404, "ServiceFailure": 500, "SignatureDoesNotMatch": 403, "InvalidAction": 400,
          "AccessDenied": 403, "ValidationError": 400}


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def members(form, prefix):
    out, i = [], 1
    while "%s.member.%d" % (prefix, i) in form:
        out.append(form["%s.member.%d" % (prefix, i)])
        i += 1
    return out


def tags(form):
    out, i = [], 1
    while "Tags.member.%d.Key" % i in form:
        out.append((form["Tags.member.%d.Key" % i], form.get("Tags.member.%d.Value" % i, "")))
        i += 1
    return out


def partition_of(region):
    """The partition botocore's endpoint data puts a region in."""
    data = json.load(open(os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")))
    for p in data["partitions"]:
        if region in p["regions"] or re.match(p["regionRegex"], region):
            return p["partition"]
    raise SystemExit("no partition for region " + region)


class State:
    def __init__(self):
        self.providers = {}  # arn -> {url, clients, thumbs, tags (dict)}
        self.roles = {}      # name -> {arn, trust (JSON text), attached [arns]}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_xml(self, status, body):
        reply(self, status, body, "text/xml")

    def error(self, code, message):
        return STATUS.get(code, 400), ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code>'
                                       '<Message>%s</Message></Error><RequestId>req</RequestId></ErrorResponse>'
                                       % (NS, code, esc(message)))

    def ok(self, action, result=""):
        return 200, ('<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>req</RequestId></ResponseMetadata>'
                     '</%sResponse>' % (action, NS, ("<%sResult>%s</%sResult>" % (action, result, action)) if result
                                        is not None else "", action))

    def verify(self, body):
        return sigv4check.check("POST", self.path, self.headers, body, {k: v[0] for k, v in self.server.keys.items()},
                                service="iam", region=self.server.region)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
        action = form.get("Action", "")
        bad = self.verify(body)
        signer = (sigv4check.AUTH_RE.match(self.headers.get("Authorization", "")) or [None, None])[1]
        self.account = self.server.keys.get(signer, (None, self.server.first_account))[1]
        self.st = self.server.states[self.account]
        with self.server.lock:
            skewed = None if bad else sigv4check.skew(self.headers)
            if bad:
                status, out = self.error("SignatureDoesNotMatch", bad)
            elif skewed:
                status, out = self.error("SignatureDoesNotMatch", skewed)
            elif form.get("Version") != "2010-05-08":
                status, out = self.error("InvalidInput", "bad Version")
            elif self.server.fail_once.get(action):
                status, out = self.error(self.server.fail_once.pop(action), "injected failure")
            else:
                status, out = self.dispatch(action, form)
            with open(self.server.log, "a") as f:
                f.write(json.dumps({"action": action, "status": status, "signed": bad is None,
                                    "token": self.headers.get("x-amz-security-token") is not None, "account": self.account}) + "\n")
        self.send_xml(status, out)

    def get(self, form):
        p = self.st.providers.get(form.get("OpenIDConnectProviderArn", ""))
        return p

    def role_xml(self, name):
        r = self.st.roles[name]
        return ("<Role><Path>/</Path><RoleName>%s</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>%s</Arn>"
                "<CreateDate>2026-11-22T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument>"
                "</Role>") % (esc(name), esc(r["arn"]), urllib.parse.quote(r["trust"], safe=""))

    def dispatch(self, action, form):
        st = self.st
        if action in ("GetRole", "UpdateAssumeRolePolicy", "ListAttachedRolePolicies", "AttachRolePolicy"):
            name = form.get("RoleName", "")
            if name not in st.roles:
                return self.error("NoSuchEntity", "The role with name %s cannot be found." % name)
            if action == "GetRole":
                return self.ok(action, self.role_xml(name))
            if action == "UpdateAssumeRolePolicy":
                json.loads(form["PolicyDocument"])
                st.roles[name]["trust"] = form["PolicyDocument"]
                return self.ok(action, None)
            if action == "ListAttachedRolePolicies":
                items = "".join("<member><PolicyName>%s</PolicyName><PolicyArn>%s</PolicyArn></member>"
                                % (esc(a.rsplit("/", 1)[-1]), esc(a)) for a in st.roles[name]["attached"])
                return self.ok(action, "<AttachedPolicies>%s</AttachedPolicies><IsTruncated>false</IsTruncated>" % items)
            if form["PolicyArn"] not in st.roles[name]["attached"]:
                st.roles[name]["attached"].append(form["PolicyArn"])
            return self.ok(action, None)
        if action == "ListRoles":
            # IAM pages by MaxItems (1..1000, default 100) and may return fewer with IsTruncated
            # true: --max-page plays that. The Marker is opaque to the caller.
            try:
                n = int(form.get("MaxItems", "100"))
            except ValueError:
                return self.error("ValidationError", "MaxItems is not an integer")
            if not 1 <= n <= 1000:
                return self.error("ValidationError", "1 validation error detected: Value at 'maxItems' failed to "
                                  "satisfy constraint: Member must have value between 1 and 1000")
            names = sorted(st.roles)
            start = 0
            if "Marker" in form:
                if not form["Marker"].startswith("m-") or not form["Marker"][2:].isdigit():
                    return self.error("ValidationError", "Invalid Marker")
                start = int(form["Marker"][2:])
            page = names[start:start + min(n, self.server.max_page)]
            more = start + len(page) < len(names)
            items = "".join(self.role_xml(r).replace("<Role>", "<member>").replace("</Role>", "</member>") for r in page)
            return self.ok(action, "<IsTruncated>%s</IsTruncated>%s<Roles>%s</Roles>" % (
                "true" if more else "false", "<Marker>m-%d</Marker>" % (start + len(page)) if more else "", items))
        if action == "CreateRole":
            name = form.get("RoleName", "")
            if name in st.roles:
                return self.error("EntityAlreadyExists", "Role with name %s already exists." % name)
            try:
                json.loads(form["AssumeRolePolicyDocument"])
            except (KeyError, ValueError):
                return self.error("MalformedPolicyDocument", "bad policy")
            st.roles[name] = {"arn": "arn:%s:iam::%s:role/%s" % (self.server.partition, self.account, name),
                              "trust": form["AssumeRolePolicyDocument"], "attached": []}
            return self.ok(action, self.role_xml(name))
        if action == "ListOpenIDConnectProviders":
            items = "".join("<member><Arn>%s</Arn></member>" % esc(a) for a in st.providers)
            return self.ok(action, "<OpenIDConnectProviderList>%s</OpenIDConnectProviderList>" % items)
        if action == "CreateOpenIDConnectProvider":
            url = form.get("Url", "")
            if not url.startswith("https://") or len(url) > 255 or re.match(r"https://[^/]*:", url):
                return self.error("InvalidInput", "Url is invalid")
            clients, thumbs = members(form, "ClientIDList"), members(form, "ThumbprintList")
            if len(thumbs) > 5 or any(not re.fullmatch(r"[0-9a-fA-F]{40}", t) for t in thumbs) or len(clients) > 100:
                return self.error("InvalidInput", "ThumbprintList or ClientIDList is invalid")
            host = url[len("https://"):]
            arn = "arn:%s:iam::%s:oidc-provider/%s" % (self.server.partition, self.account, host)
            if arn in st.providers:
                return self.error("EntityAlreadyExists", "Provider with url %s already exists." % url)
            st.providers[arn] = {"url": host, "clients": clients, "thumbs": thumbs, "tags": dict(tags(form))}
            return self.ok(action, "<OpenIDConnectProviderArn>%s</OpenIDConnectProviderArn>" % esc(arn))
        p = self.get(form)
        if action in ("GetOpenIDConnectProvider", "AddClientIDToOpenIDConnectProvider",
                      "RemoveClientIDFromOpenIDConnectProvider", "UpdateOpenIDConnectProviderThumbprint",
                      "TagOpenIDConnectProvider", "UntagOpenIDConnectProvider", "DeleteOpenIDConnectProvider") and p is None:
            return self.error("NoSuchEntity", "OpenIDConnect Provider not found for arn %s" % form.get("OpenIDConnectProviderArn"))
        if action == "GetOpenIDConnectProvider":
            res = ("<ThumbprintList>%s</ThumbprintList><CreateDate>2026-11-22T00:00:00Z</CreateDate>"
                   "<ClientIDList>%s</ClientIDList><Tags>%s</Tags><Url>%s</Url>") % (
                "".join("<member>%s</member>" % t for t in p["thumbs"]),
                "".join("<member>%s</member>" % esc(c) for c in p["clients"]),
                "".join("<member><Key>%s</Key><Value>%s</Value></member>" % (esc(k), esc(v)) for k, v in p["tags"].items()),
                esc(p["url"]))
            return self.ok(action, res)
        if action == "AddClientIDToOpenIDConnectProvider":
            if form["ClientID"] not in p["clients"]:
                p["clients"].append(form["ClientID"])
            return self.ok(action, None)
        if action == "RemoveClientIDFromOpenIDConnectProvider":
            p["clients"] = [c for c in p["clients"] if c != form["ClientID"]]
            return self.ok(action, None)
        if action == "UpdateOpenIDConnectProviderThumbprint":
            thumbs = members(form, "ThumbprintList")
            if len(thumbs) > 5 or any(not re.fullmatch(r"[0-9a-fA-F]{40}", t) for t in thumbs):
                return self.error("InvalidInput", "ThumbprintList is invalid")
            p["thumbs"] = thumbs
            return self.ok(action, None)
        if action == "TagOpenIDConnectProvider":
            p["tags"].update(dict(tags(form)))
            return self.ok(action, None)
        if action == "UntagOpenIDConnectProvider":
            for k in members(form, "TagKeys"):
                p["tags"].pop(k, None)
            return self.ok(action, None)
        if action == "DeleteOpenIDConnectProvider":
            del st.providers[form["OpenIDConnectProviderArn"]]
            return self.ok(action, None)
        return self.error("InvalidAction", "Could not find operation %s" % action)

    def do_GET(self):  # state dump for the tests (the first account's)
        st = self.server.states[self.server.first_account]
        reply(self, 200, json.dumps(st.roles if self.path == "/roles" else st.providers, sort_keys=True),
              "application/json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--key", action="append", required=True,
                    help="AKID:SECRET[:ACCOUNT]: a key and the account it belongs to (default %s); repeat it for "
                    "several accounts, each with its own roles and providers" % ACCOUNT)
    ap.add_argument("--log", required=True)
    ap.add_argument("--fail-once", action="append", default=[])
    ap.add_argument("--max-page", type=int, default=1000, help="at most this many roles per ListRoles page")
    ap.add_argument("--region", default="us-east-1", help="the signing region IAM has in the partition played")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), H)
    srv.keys = {}
    for k in a.key:
        ak, sk, acct = (k.split(":", 2) + [ACCOUNT])[:3]
        srv.keys[ak] = (sk, acct)
    srv.states = {acct: State() for _, acct in srv.keys.values()}
    srv.first_account = srv.keys[a.key[0].split(":", 1)[0]][1]
    srv.log, srv.lock = a.log, threading.Lock()
    srv.fail_once = dict(f.split(":", 1) for f in a.fail_once)
    srv.region, srv.partition = a.region, partition_of(a.region)
    srv.max_page = a.max_page
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
