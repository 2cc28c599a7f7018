#!/usr/bin/python3
"""A stand-in for kube-apiserver's read paths saoidc uses, over real TLS with its own CA and a
required bearer token:
  GET /api/v1/namespaces/NS/secrets/NAME     the Secret from DIR/NS_NAME.json (re-read each time)
  GET /.well-known/openid-configuration       DIR/openid-configuration.json
  GET /openid/v1/jwks                        DIR/jwks.json (Cache-Control: public, max-age= the
                                             number in DIR/jwks.max-age when that file exists,
                                             as an external signer's refresh hint sets it)
  GET /version                               a fixed version
  GET /api/v1/namespaces/NS/configmaps/NAME  DIR/configmaps_NS_NAME.json
  GET /api/v1/namespaces/NS/serviceaccounts/NAME  DIR/serviceaccounts_NS_NAME.json (after the
                                             seconds in DIR/serviceaccounts_NS_NAME.delay, if any)
Answers 401 without the right token (or, with --client-ca, a client certificate it signed), 403 for Secrets not in --allow, 404 for missing files, with
the API server's Status JSON. Each request is logged as a JSON line.

usage: fake_apiserver.py --listen PORT --cert CHAIN --key KEY --token T --dir DIR --allow NS/NAME ... --log F
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testhttp import reply, serve_tls


def status(code, reason, message):
    return code, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                             "message": message, "reason": reason, "code": code})


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        a = self.server.args
        path = self.path.split("?")[0]
        cert = self.connection.getpeercert() if a.client_ca else None
        if self.headers.get("Authorization") != "Bearer " + a.token and not cert:
            code, body = status(401, "Unauthorized", "Unauthorized")
        else:
            parts = path.strip("/").split("/")
            fname = None
            if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "secrets":
                ns, name = parts[3], parts[5]
                if "%s/%s" % (ns, name) not in a.allow:
                    code, body = status(403, "Forbidden", 'secrets "%s" is forbidden: User "system:serviceaccount:'
                                        'saoidc:saoidc" cannot get resource "secrets" in API group "" in the '
                                        'namespace "%s"' % (name, ns))
                    fname = False
                else:
                    fname = "%s_%s.json" % (ns, name)
            elif len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "configmaps":
                fname = "configmaps_%s_%s.json" % (parts[3], parts[5])
            elif len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "serviceaccounts":
                fname = "serviceaccounts_%s_%s.json" % (parts[3], parts[5])
                delay = os.path.join(a.dir, fname[:-5] + ".delay")
                if os.path.exists(delay):
                    time.sleep(float(open(delay).read()))
            elif path == "/version":
                code, body = 200, json.dumps({"major": "1", "minor": "32", "gitVersion": "v1.32.0-fake"})
                fname = False
            elif path == "/.well-known/openid-configuration":
                fname = "openid-configuration.json"
            elif path == "/openid/v1/jwks":
                fname = "jwks.json"
            if fname is None:
                code, body = status(404, "NotFound", "the server could not find the requested resource")
            elif fname is not False:
                full = os.path.join(a.dir, fname)
                if os.path.exists(full):
                    code, body = 200, open(full).read()
                else:
                    code, body = status(404, "NotFound", 'secrets "%s" not found' % fname)
        with self.server.lock, open(a.log, "a") as f:
            f.write(json.dumps({"path": path, "status": code}) + "\n")
        extra = []
        if path == "/openid/v1/jwks" and os.path.exists(os.path.join(a.dir, "jwks.max-age")):
            extra = [("Cache-Control", "public, max-age=%s" % open(os.path.join(a.dir, "jwks.max-age")).read().strip())]
        reply(self, code, body, "application/json", extra)


def main():
    ap = argparse.ArgumentParser()
    for k in ("--listen", "--cert", "--key", "--token", "--dir", "--log"):
        ap.add_argument(k, required=True)
    ap.add_argument("--allow", action="append", default=[])
    ap.add_argument("--client-ca", help="also accept client certificates signed by this CA")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", int(a.listen)), H)
    srv.args, srv.lock = a, threading.Lock()
    serve_tls(srv, a.cert, a.key, a.client_ca)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
