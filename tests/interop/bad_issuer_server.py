#!/usr/bin/python3
"""An HTTPS server that answers discovery requests badly, for `saoidc verify` tests:
--mode slow (waits 6 s), html (200 with a web page), 404.

usage: bad_issuer_server.py --listen PORT --cert CHAIN.pem --key KEY.pem --mode MODE
"""
import argparse
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testhttp import reply, serve_tls


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        mode = self.server.mode
        if mode == "slow":
            time.sleep(6)
        body = b"<html><body>It works!</body></html>" if mode in ("slow", "html") else b"not found"
        reply(self, 404 if mode == "404" else 200, body, "text/html")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--mode", required=True, choices=["slow", "html", "404"])
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), H)
    srv.mode = a.mode
    serve_tls(srv, a.cert, a.key)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
