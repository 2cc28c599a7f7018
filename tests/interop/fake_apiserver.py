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
  GET /api/v1/serviceaccounts, /api/v1/namespaces/NS/serviceaccounts   the list (a ServiceAccountList
                                             with metadata.resourceVersion; ?limit= pages with continue)
  GET ...serviceaccounts?watch=1&resourceVersion=RV   a watch, as kube-apiserver streams one: a JSON
                                             event per line (ADDED/MODIFIED/DELETED; BOOKMARK every
                                             second with allowWatchBookmarks), from RV on, until
                                             timeoutSeconds; 410 Gone (an ERROR event) for an RV older
                                             than --compacted-rv
The ServiceAccount files are watched: a file written, changed or removed is an event with a new
resourceVersion (a scan every 50 ms). A file with a .delay beside it is not listed or watched (a
ServiceAccount made a moment ago, that only a GET finds).
--delay S delays every answer by S seconds (a slow API server: lists, watches and GETs alike).
--initial-rv N counts resourceVersions from N (a restarted API server does not count again from 1).
Answers 401 without the right token (or, with --client-ca, a client certificate it signed), 403 for Secrets not in --allow, 404 for missing files, with
the API server's Status JSON. Each request is logged as a JSON line.

usage: fake_apiserver.py --listen PORT --cert CHAIN --key KEY --token T --dir DIR --allow NS/NAME ... --log F
"""
import argparse
import glob
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testhttp import reply, serve_tls


def status(code, reason, message):
    return code, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                             "message": message, "reason": reason, "code": code})


class SAStore:
    """The ServiceAccount (or Secret) files as the API server's store: objects with
    resourceVersions and the events that changed them, found by scanning the directory.
    ServiceAccounts are DIR/serviceaccounts_NS_NAME.json; Secrets DIR/NS_NAME.json."""

    def __init__(self, d, kind="ServiceAccount", rv=1):
        self.dir, self.kind, self.rv, self.objs, self.events = d, kind, rv, {}, []
        self.cond = threading.Condition()
        threading.Thread(target=self.scan_forever, daemon=True).start()

    def files(self):
        if self.kind == "ServiceAccount":
            for f in glob.glob(os.path.join(self.dir, "serviceaccounts_*.json")):
                yield f, os.path.basename(f)[len("serviceaccounts_"):-5]
        else:
            for f in glob.glob(os.path.join(self.dir, "*_*.json")):
                b = os.path.basename(f)
                if not b.startswith(("serviceaccounts_", "configmaps_")):
                    yield f, b[:-5]

    def read(self):
        now = {}
        for f, nsname in self.files():
            if os.path.exists(f[:-5] + ".delay"):
                continue
            ns, name = nsname.split("_", 1)
            try:
                obj = json.load(open(f))
            except (OSError, ValueError):
                continue  # being written: the next scan sees it whole
            if not isinstance(obj, dict):
                continue
            now[(ns, name)] = obj
        return now

    def scan(self):
        now = self.read()
        with self.cond:
            changed = False
            for key, obj in now.items():
                old = self.objs.get(key)
                if old is None or old[1] != obj:
                    self.rv += 1
                    self.objs[key] = (self.rv, obj)
                    self.events.append((self.rv, "ADDED" if old is None else "MODIFIED", key, obj))
                    changed = True
            for key in [k for k in self.objs if k not in now]:
                self.rv += 1
                self.events.append((self.rv, "DELETED", key, self.objs.pop(key)[1]))
                changed = True
            if changed:
                self.cond.notify_all()

    def scan_forever(self):
        while True:
            self.scan()
            time.sleep(0.05)

    def full(self, key, rv, obj):
        o = json.loads(json.dumps(obj))
        md = o.setdefault("metadata", {})
        md["namespace"], md["name"], md["resourceVersion"] = key[0], key[1], str(rv)
        o.setdefault("apiVersion", "v1")
        o.setdefault("kind", self.kind)
        return o


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def sa_list(self, st, ns, name, q):
        st.scan()
        with st.cond:
            items = [st.full(k, rv, o) for k, (rv, o) in sorted(st.objs.items())
                     if (ns is None or k[0] == ns) and (name is None or k[1] == name)]
            rv = st.rv
        limit, start = int(q.get("limit", ["0"])[0] or 0), int(q.get("continue", ["0"])[0] or 0)
        meta = {"resourceVersion": str(rv)}
        if limit and start + limit < len(items):
            meta["continue"] = str(start + limit)
        page = items[start:start + limit] if limit else items
        return 200, json.dumps({"kind": st.kind + "List", "apiVersion": "v1", "metadata": meta, "items": page})

    def sa_watch(self, st, ns, name, q):
        a = self.server.args
        since = int(q.get("resourceVersion", ["0"])[0] or 0)
        until = time.time() + float(q.get("timeoutSeconds", ["60"])[0])
        bookmarks = q.get("allowWatchBookmarks", [""])[0] == "true"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(obj):
            line = (json.dumps(obj) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
        try:
            if since < a.compacted_rv:
                send({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                  "message": "too old resource version", "reason": "Expired", "code": 410}})
            else:
                last_bookmark = time.time()
                while time.time() < until:
                    with st.cond:
                        def mine(e):
                            return e[0] > since and (ns is None or e[2][0] == ns) and (name is None or e[2][1] == name)
                        evs = [e for e in st.events if mine(e)]
                        if not evs:
                            st.cond.wait(0.2)
                            # (again: the wait let events in, and the bookmark below must not
                            # pass over one that was not sent)
                            evs = [e for e in st.events if mine(e)]
                        rv = st.rv
                    for erv, typ, key, obj in evs:
                        send({"type": typ, "object": st.full(key, erv, obj)})
                        since = erv
                    if bookmarks and time.time() - last_bookmark >= 1:
                        send({"type": "BOOKMARK", "object": {"kind": st.kind, "apiVersion": "v1",
                                                             "metadata": {"resourceVersion": str(max(rv, since))}}})
                        since, last_bookmark = max(rv, since), time.time()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        return 200

    def do_GET(self):
        a = self.server.args
        if a.delay:
            time.sleep(a.delay)
        path, _, query = self.path.partition("?")
        q = urllib.parse.parse_qs(query)
        parts0 = path.strip("/").split("/")
        collection = None
        sel = q.get("fieldSelector", [""])[0]
        name = sel[len("metadata.name="):] if sel.startswith("metadata.name=") else None
        if parts0 == ["api", "v1", "serviceaccounts"]:
            collection = self.server.store, None
        elif len(parts0) == 5 and parts0[:3] == ["api", "v1", "namespaces"] and parts0[4] == "serviceaccounts":
            collection = self.server.store, parts0[3]
        elif len(parts0) == 5 and parts0[:3] == ["api", "v1", "namespaces"] and parts0[4] == "secrets":
            collection = self.server.secrets, parts0[3]
            if "%s/%s" % (parts0[3], name) not in a.allow or not a.watch_secrets:
                # RBAC: list and watch only of the allowed Secret, by name (and not at all without
                # --watch-secrets, as a Role with only "get" would have it)
                code, body = status(403, "Forbidden", 'secrets is forbidden: cannot list resource "secrets"')
                with self.server.lock, open(a.log, "a") as f:
                    f.write(json.dumps({"path": path, "list": True, "status": code}) + "\n")
                reply(self, code, body, "application/json")
                return
        if collection and self.headers.get("Authorization") == "Bearer " + a.token:
            if q.get("watch", [""])[0] in ("1", "true"):
                # logged when it starts ("watching") and when it ends
                with self.server.lock, open(a.log, "a") as f:
                    f.write(json.dumps({"path": path, "watching": True}) + "\n")
                code = self.sa_watch(collection[0], collection[1], name, q)
                with self.server.lock, open(a.log, "a") as f:
                    f.write(json.dumps({"path": path, "watch": True, "status": code}) + "\n")
                return
            code, body = self.sa_list(collection[0], collection[1], name, q)
            with self.server.lock, open(a.log, "a") as f:
                f.write(json.dumps({"path": path, "list": True, "status": code}) + "\n")
            reply(self, code, body, "application/json")
            return
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
    ap.add_argument("--delay", type=float, default=0, help="seconds before every answer")
    ap.add_argument("--compacted-rv", type=int, default=0, help="watches from an older resourceVersion get 410")
    ap.add_argument("--watch-secrets", action="store_true", help="allow list and watch of the --allow Secrets")
    ap.add_argument("--initial-rv", type=int, default=1,
                    help="the resourceVersion to count from (an API server restarted keeps counting: etcd's)")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", int(a.listen)), H)
    srv.daemon_threads = True
    srv.args, srv.lock, srv.store, srv.secrets = a, threading.Lock(), SAStore(a.dir, rv=a.initial_rv), \
        SAStore(a.dir, "Secret", a.initial_rv)
    serve_tls(srv, a.cert, a.key, a.client_ca)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
