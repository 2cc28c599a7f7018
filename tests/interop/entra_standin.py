#!/usr/bin/python3
"""A Microsoft Entra ID token endpoint stand-in on loopback (HTTPS), for the client credentials
grant saoidc makes (learn.microsoft.com, "Microsoft identity platform and the OAuth 2.0 client
credentials flow"): POST /TENANT/oauth2/v2.0/token with a client secret, or with a client
assertion -- a federated token, verified as Entra verifies it against the federated identity
credential: its signature with the issuer's JWKS (python3-jwcrypto), its iss, sub, the audience
api://AzureADTokenExchange, and its lifetime. Refusals carry Entra's error codes and AADSTS
numbers; a granted token is a JWT for the scope's resource (https://storage.azure.com by default,
--scope adds others such as Resource Manager's) from https://sts.windows.net/TENANT/, the shape
Azurite's --oauth basic checks.

usage: entra_standin.py --listen PORT --cert CHAIN --key KEY --tenant T --client-id C --log FILE
                        [--secret S] [--jwks FILE --issuer ISS --subject SUB] [--scope S ...]
The log gets one JSON line per request: path, grant ("secret" or "assertion"), status, error.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jwcrypto import jwk, jws

from testhttp import note, reply, serve_tls

SCOPE = "https://storage.azure.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def access_token(tenant, client, resource):
    now = int(time.time())
    head = b64u(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    body = b64u(json.dumps({"aud": resource, "iss": "https://sts.windows.net/%s/" % tenant,
                            "iat": now, "nbf": now, "exp": now + 3600, "appid": client, "tid": tenant,
                            "oid": str(uuid.uuid4())}).encode())
    sig = b64u(hmac.new(os.urandom(32), (head + "." + body).encode(), hashlib.sha256).digest())
    return head + "." + body + "." + sig


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def refuse(self, grant, error, code, text):
        body = {"error": error, "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"
                "Timestamp: %s" % (code, text, uuid.uuid4(), uuid.uuid4(), time.strftime("%Y-%m-%d %H:%M:%SZ")),
                "error_codes": [code], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ")}
        note(self.server, path=self.path, grant=grant, status=400, error=error, code=code)
        reply(self, 400, json.dumps(body), "application/json; charset=utf-8")

    def check_assertion(self, token):
        """None when the federated token matches the federated credential, else (code, text)."""
        s = self.server
        if not s.jwks:
            return 70021, "No matching federated identity record found for presented assertion."
        try:
            obj = jws.JWS()
            obj.deserialize(token)
            kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==")).get("kid")
            obj.verify(s.jwks.get_key(kid))
            claims = json.loads(obj.payload)
        except Exception as e:  # any failure to verify is Entra's "signature" refusal
            return 700213, "The client assertion's signature could not be verified (%s)." % type(e).__name__
        if claims.get("iss") != s.issuer:
            return 700211, "No matching federated identity record found for presented assertion issuer '%s'." % \
                claims.get("iss")
        if claims.get("sub") != s.subject:
            return 700213, "No matching federated identity record found for presented assertion subject '%s'." % \
                claims.get("sub")
        aud = claims.get("aud")
        if "api://AzureADTokenExchange" not in (aud if isinstance(aud, list) else [aud]):
            return 700212, "No matching federated identity record found for presented assertion audience."
        if not (claims.get("nbf", 0) - 300 <= time.time() < claims.get("exp", 0)):
            return 700024, "Client assertion is not within its valid time range."
        return None

    def do_POST(self):
        s = self.server
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(), keep_blank_values=True, strict_parsing=True)
        f = {k: v[0] for k, v in form.items() if len(v) == 1}
        grant = "secret" if "client_secret" in f else "assertion"
        if self.path != "/%s/oauth2/v2.0/token" % s.tenant:
            return self.refuse(grant, "invalid_request", 90002, "Tenant not found.")
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded" or \
                len(f) != len(form):
            return self.refuse(grant, "invalid_request", 900144, "The request body must be one form.")
        if f.get("grant_type") != "client_credentials":
            return self.refuse(grant, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if f.get("client_id") != s.client:
            return self.refuse(grant, "unauthorized_client", 700016, "Application with identifier '%s' was not "
                               "found in the directory." % f.get("client_id"))
        if f.get("scope") not in s.scopes:
            return self.refuse(grant, "invalid_scope", 1002012, "The provided value for scope is not valid.")
        if grant == "secret":
            if s.secret is None or not hmac.compare_digest(f["client_secret"], s.secret):
                return self.refuse(grant, "invalid_client", 7000215, "Invalid client secret provided.")
        else:
            if f.get("client_assertion_type") != ASSERTION_TYPE or "client_assertion" not in f:
                return self.refuse(grant, "invalid_request", 7000218, "The request body must contain "
                                   "'client_assertion' or 'client_secret'.")
            why = self.check_assertion(f["client_assertion"])
            if why:
                return self.refuse(grant, "invalid_client", *why)
        note(self.server, path=self.path, grant=grant, status=200)
        reply(self, 200, json.dumps({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                     "access_token": access_token(s.tenant, s.client,
                                                                  f["scope"][:-len("/.default")])}),
              "application/json; charset=utf-8")


def main():
    ap = argparse.ArgumentParser()
    for o in ("--cert", "--key", "--tenant", "--client-id", "--log"):
        ap.add_argument(o, required=True)
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--secret")
    ap.add_argument("--jwks")
    ap.add_argument("--issuer")
    ap.add_argument("--subject")
    ap.add_argument("--scope", action="append", default=[])
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), Handler)
    serve_tls(srv, a.cert, a.key)
    srv.tenant, srv.client, srv.secret, srv.log = a.tenant, a.client_id, a.secret, a.log
    srv.issuer, srv.subject, srv.log_lock = a.issuer, a.subject, threading.Lock()
    srv.scopes = [SCOPE] + a.scope
    srv.jwks = jwk.JWKSet.from_json(open(a.jwks).read()) if a.jwks else None
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
