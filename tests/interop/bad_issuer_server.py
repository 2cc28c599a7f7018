#!/usr/bin/python3
"""An HTTPS server that answers discovery requests badly, for `saoidc verify` tests:
--mode slow (waits 6 s), html (200 with a web page), 404, hostile (a valid discovery document
whose JWKS holds 300 RSA keys with 16384-bit moduli: work a verifier must bound), utf8 (the same
with one bad key whose kid holds a newline, a forged report line and 40 two-byte characters: a
report that cuts it at 64 bytes splits a character), file (a valid discovery document and the
JWKS in --jwks FILE, as given).

usage: bad_issuer_server.py --listen PORT --cert CHAIN.pem --key KEY.pem --mode MODE
"""
import argparse
import base64
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testhttp import reply, serve_tls


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        mode = self.server.mode
        if mode in ("hostile", "utf8", "file"):
            host = self.headers.get("Host", "oidc.test")
            path = self.path.split("?")[0]
            if path.endswith("/.well-known/openid-configuration"):
                iss = "https://%s%s" % (host.split(":")[0], path[:-len("/.well-known/openid-configuration")])
                doc = {"issuer": iss, "jwks_uri": iss + "/keys.json", "response_types_supported": ["id_token"],
                       "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}
            else:
                n = base64.urlsafe_b64encode(b"\xc5" + os.urandom(2046) + b"\x01").rstrip(b"=").decode()
                doc = {"keys": [{"use": "sig", "kty": "RSA", "kid": "k%d" % i, "alg": "RS256", "n": n, "e": "AQAB"}
                                for i in range(300)]}
                if mode == "file":
                    doc = json.load(open(self.server.jwks_file))
                if mode == "utf8":
                    doc = {"keys": [{"use": "sig", "kty": "RSA", "kid": "xx\n[PASS] forged " + "\u00e9" * 40, "alg": "RS256",
                                     "n": base64.urlsafe_b64encode(b"\xc5" * 64).rstrip(b"=").decode(), "e": "AQAB"}]}
            return reply(self, 200, json.dumps(doc).encode(), "application/json")
        if mode == "slow":
            time.sleep(6)
        body = b"<html><body>It works!</body></html>" if mode in ("slow", "html") else b"not found"
        reply(self, 404 if mode == "404" else 200, body, "text/html")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--mode", required=True, choices=["slow", "html", "404", "hostile", "utf8", "file"])
    ap.add_argument("--jwks")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), H)
    srv.mode = a.mode
    srv.jwks_file = a.jwks
    serve_tls(srv, a.cert, a.key)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
