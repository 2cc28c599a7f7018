#!/usr/bin/python3
"""Sends each recorded AdmissionReview in cases.json to `saoidc webhook` over HTTPS, applies the
returned JSON Patch with python3-jsonpatch (an independent RFC 6902 implementation) and compares
the resulting Pod with the expected one. Also sends malformed reviews. Prints PASS/FAIL lines.

usage: webhook_check.py CASES.json APIDIR URL CA [--deny-malformed]
(APIDIR is the fake API server's directory: the ServiceAccounts are written there first.)"""
import base64
import json
import os
import ssl
import sys
import urllib.request

import jsonpatch


def post(url, ctx, body):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return json.loads(r.read())


def say(ok, msg):
    print(("PASS " if ok else "FAIL ") + msg, flush=True)


def main():
    cases_file, apidir, url, ca = sys.argv[1:5]
    deny = "--deny-malformed" in sys.argv
    ctx = ssl.create_default_context(cafile=ca)
    cases = json.load(open(cases_file))
    if not deny:
        for cs in cases:
            sa = {"apiVersion": "v1", "kind": "ServiceAccount",
                  "metadata": {"name": cs["serviceAccount"], "namespace": cs["namespace"], "annotations": cs["annotations"]}}
            json.dump(sa, open(os.path.join(apidir, "serviceaccounts_%s_%s.json" % (cs["namespace"], cs["serviceAccount"])), "w"))
        for cs in cases:
            out = post(url, ctx, json.dumps(cs["review"]).encode())
            resp = out.get("response", {})
            ok = out.get("kind") == "AdmissionReview" and resp.get("uid") == cs["review"]["request"]["uid"] and \
                resp.get("allowed") is cs["allowed"]
            obj = cs["review"]["request"]["object"]
            if "patch" in resp:
                ok = ok and resp.get("patchType") == "JSONPatch"
                patch = jsonpatch.JsonPatch(json.loads(base64.b64decode(resp["patch"])))
                obj = patch.apply(obj)
            same = obj == cs["expected"]
            say(ok and same, cs["name"] + ("" if same else " -- to expected: " + jsonpatch.make_patch(obj, cs["expected"]).to_string()[:800]))
            again = post(url, ctx, json.dumps(dict(cs["review"], request=dict(cs["review"]["request"], object=obj))).encode())
            say("patch" not in again["response"], cs["name"] + ": sending the patched pod again changes nothing")
    bad = [b"{", b"[]", b'{"kind":"AdmissionReview"}', b'{"kind":"AdmissionReview","request":{"uid":"x1"}}', b"\x00\xff"]
    for b in bad:
        try:
            out = post(url, ctx, b)
            resp = out.get("response", {})
            ok = resp.get("allowed") is (not deny) and "patch" not in resp
            say(ok, "malformed review %r: %s" % (b[:30], "denied" if deny else "allowed unchanged"))
        except Exception as ex:  # noqa: BLE001
            say(False, "malformed review %r: %s" % (b[:30], ex))


if __name__ == "__main__":
    main()
