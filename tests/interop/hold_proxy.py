#!/usr/bin/python3
"""A loopback HTTP proxy in front of a storage test server (Azurite) that can hold writes back:
conditional PUTs (If-Match, If-None-Match) are held --slow-put-ms before they are forwarded (a
window for two publishers to race in), and the first PUT whose path holds --hang SUBSTR is never
forwarded (as if the publisher died before it reached the store; the test kills it). Nothing is
re-signed: Azure's Shared Key signs the path and headers, not the host and port.

usage: hold_proxy.py --listen PORT --upstream http://127.0.0.1:PORT --log FILE
                     [--slow-put-ms MS] [--hang SUBSTR]
The log gets one JSON line per request: method, path, conditional, status (or "hanging").
"""
import argparse
import http.client
import http.server
import json
import threading
import time
import urllib.parse

from testhttp import note, reply


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        cond = bool(self.headers.get("If-Match") or self.headers.get("If-None-Match"))
        if self.command == "PUT" and self.server.hang and self.server.hang in self.path:
            with self.server.lock:
                first = not self.server.hung
                self.server.hung = True
            if first:
                note(self.server, method=self.command, path=self.path, conditional=cond, status="hanging")
                time.sleep(60)
                return
        if self.command == "PUT" and cond and self.server.slow_ms:
            time.sleep(self.server.slow_ms / 1000.0)
        up = urllib.parse.urlsplit(self.server.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        note(self.server, method=self.command, path=self.path, conditional=cond, status=r.status)
        skip = ("connection", "keep-alive", "transfer-encoding", "content-length", "content-type")
        reply(self, r.status, data, r.getheader("Content-Type"),
              [(k, v) for k, v in r.getheaders() if k.lower() not in skip])
        conn.close()

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = forward


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--slow-put-ms", type=int, default=0)
    ap.add_argument("--hang", default="")
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.listen), Handler)
    srv.upstream, srv.log, srv.slow_ms, srv.hang = a.upstream, a.log, a.slow_put_ms, a.hang
    srv.lock, srv.log_lock, srv.hung = threading.Lock(), threading.Lock(), False
    srv.daemon_threads = True
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
