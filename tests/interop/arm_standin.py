#!/usr/bin/python3
"""An Azure Resource Manager stand-in on loopback (HTTPS) for one resource type: the federated
identity credentials of user-assigned managed identities (Microsoft.ManagedIdentity,
learn.microsoft.com "Federated Identity Credentials - Create Or Update / Get / List / Delete").
Requests are checked as Resource Manager checks them: the api-version (the GA 2023-01-31, and
2022-01-31-preview, which Debian's azure-mgmt-msi sends), a bearer token obtained for Resource
Manager (a token for another resource gets InvalidAuthenticationTokenAudience), the resource
path; answers have ARM's shapes and error bodies ({"error": {"code", "message"}}): ResourceNotFound,
AuthorizationFailed (--deny-read), and lists paged with an absolute nextLink ($skiptoken) of
--page entries. The body of a PUT is stored as the SDK sent it and served back as ARM does.

usage: arm_standin.py --listen PORT --cert CHAIN --key KEY --log FILE --identity RESOURCE_ID [...]
                      [--page N] [--deny-read] [--audience https://management.azure.com]
The log gets one JSON line per request: method, operation, api_version, status.
"""
import argparse
import base64
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testhttp import note, reply, serve_tls

API_VERSIONS = ("2023-01-31", "2022-01-31-preview")
FIC_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
PATH = re.compile(r"^(?P<identity>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/"
                  r"userAssignedIdentities/[^/]+)/federatedIdentityCredentials(?:/(?P<name>[^/]+))?$", re.I)


def claims(token):
    try:
        part = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except Exception:
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def error(self, op, status, code, message, api=None):
        note(self.server, method=self.command, operation=op, api_version=api, status=status, code=code)
        reply(self, status, json.dumps({"error": {"code": code, "message": message}}),
              "application/json; charset=utf-8", [("x-ms-request-id", "stand-in")])

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        s = self.server
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        api = (q.get("api-version") or [None])[0]
        body = self.body()
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self.error("?", 401, "AuthenticationFailed",
                              "Authentication failed. The 'Authorization' header is missing.", api)
        c = claims(auth[7:])
        if c is None:
            return self.error("?", 401, "InvalidAuthenticationToken", "The access token is invalid.", api)
        if c.get("aud") not in (s.audience, s.audience + "/"):
            return self.error("?", 401, "InvalidAuthenticationTokenAudience",
                              "The access token has been obtained for wrong audience or resource '%s'. It should "
                              "exactly match with one of the allowed audiences '%s','%s/'." %
                              (c.get("aud"), s.audience, s.audience), api)
        if c.get("exp", 0) < time.time():
            return self.error("?", 401, "ExpiredAuthenticationToken", "The access token expiry UTC time is "
                              "earlier than current UTC time.", api)
        m = PATH.match(urllib.parse.unquote(u.path))
        if m is None:
            return self.error("?", 404, "InvalidResourceType", "The resource type could not be found.", api)
        if api is None:
            return self.error("?", 400, "MissingApiVersionParameter", "The api-version query parameter "
                              "(?api-version=) is required for all requests.")
        if api not in API_VERSIONS:
            return self.error("?", 400, "InvalidResourceType", "The resource type "
                              "'userAssignedIdentities/federatedIdentityCredentials' could not be found for api "
                              "version '%s'. The supported api-versions are '%s'." % (api, ", ".join(API_VERSIONS)),
                              api)
        identity, name = m.group("identity"), m.group("name")
        key = identity.lower()
        op = {"GET": "Get" if name else "List", "PUT": "CreateOrUpdate", "DELETE": "Delete"}.get(self.command, "?")
        if key not in s.store:
            rg = identity.split("/")[4]
            return self.error(op, 404, "ResourceNotFound", "The Resource 'Microsoft.ManagedIdentity/"
                              "userAssignedIdentities/%s' under resource group '%s' was not found. For more details "
                              "please go to https://aka.ms/ARMResourceNotFoundFix" % (identity.split("/")[-1], rg),
                              api)
        if self.command == "GET" and s.deny_read:
            return self.error(op, 403, "AuthorizationFailed", "The client '%s' with object id '%s' does not have "
                              "authorization to perform action '%s/read' over scope '%s' or the scope is invalid. "
                              "If access was recently granted, please refresh your credentials." %
                              (c.get("appid"), c.get("oid"), FIC_TYPE, identity), api)
        with s.lock:
            fics = s.store[key]
            if self.command == "GET" and name is None:
                return self.list_page(op, identity, fics, q, api)
            if self.command == "GET":
                if name.lower() not in fics:
                    return self.error(op, 404, "ResourceNotFound", "The Resource '%s/%s' was not found." %
                                      (FIC_TYPE, name), api)
                return self.ok(op, api, 200, fics[name.lower()])
            if self.command == "PUT":
                try:
                    props = json.loads(body)["properties"]
                    iss, sub, auds = props["issuer"], props["subject"], props["audiences"]
                    assert isinstance(iss, str) and isinstance(sub, str) and isinstance(auds, list)
                except Exception:
                    return self.error(op, 400, "BadRequest", "The request body is not a federated identity "
                                      "credential.", api)
                status = 200 if name.lower() in fics else 201
                fics[name.lower()] = {"id": "%s/federatedIdentityCredentials/%s" % (identity, name), "name": name,
                                      "type": FIC_TYPE,
                                      "properties": {"issuer": iss, "subject": sub, "audiences": auds}}
                return self.ok(op, api, status, fics[name.lower()])
            if self.command == "DELETE":
                status = 200 if fics.pop(name.lower(), None) else 204
                note(s, method="DELETE", operation=op, api_version=api, status=status)
                return reply(self, status, b"", None)
        return self.error(op, 405, "MethodNotAllowed", "The method is not allowed.", api)

    def ok(self, op, api, status, doc):
        note(self.server, method=self.command, operation=op, api_version=api, status=status)
        reply(self, status, json.dumps(doc), "application/json; charset=utf-8")

    def list_page(self, op, identity, fics, q, api):
        start = int((q.get("$skiptoken") or ["0"])[0])
        items = [fics[k] for k in sorted(fics)]
        page = items[start:start + self.server.page]
        out = {"value": page}
        if start + self.server.page < len(items):
            out["nextLink"] = "https://%s%s/federatedIdentityCredentials?api-version=%s&$skiptoken=%d" % (
                self.headers.get("Host"), identity, api, start + self.server.page)
        note(self.server, method="GET", operation=op, api_version=api, status=200, page=start // self.server.page)
        reply(self, 200, json.dumps(out), "application/json; charset=utf-8")

    do_GET = do_PUT = do_DELETE = handle_any


def main():
    ap = argparse.ArgumentParser()
    for o in ("--cert", "--key", "--log"):
        ap.add_argument(o, required=True)
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--identity", action="append", required=True)
    ap.add_argument("--page", type=int, default=100)
    ap.add_argument("--deny-read", action="store_true")
    ap.add_argument("--audience", default="https://management.azure.com")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), Handler)
    serve_tls(srv, a.cert, a.key)
    srv.log, srv.log_lock, srv.lock = a.log, threading.Lock(), threading.Lock()
    srv.page, srv.deny_read, srv.audience = a.page, a.deny_read, a.audience
    srv.store = {i.lower(): {} for i in a.identity}
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
