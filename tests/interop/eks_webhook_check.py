#!/usr/bin/python3
"""Runs the EKS pod identity webhook's own handler test pods (pkg/handler/testdata, from
../shared/peer-data) through `saoidc webhook`, as upstream's TestUpdatePodSpec reads them
(namespace default, ServiceAccount default/default with the annotations the file's testing.*
keys give, webhook flags from the testing.*/handler/* keys), and compares the mutated pod with
the pod EKS's expectedPatch gives: same content, same order. EKS Pod Identity (container
credentials) cases are out of scope and not run.

Both sides are compared after Go's corev1 round trip, which EKS's patch carries and a JSON patch
from anyone else does not: containers gain "resources": {}, a volume mount keeps only the
fields corev1.VolumeMount knows (an unknown "path" is dropped, a missing mountPath is ""), a
gRPC probe gains "service": null.

usage: eks_webhook_check.py TESTDATA_DIR SAOIDC CA CHAIN KEY APIDIR KUBE_ARGS...
Prints "PASS name" or "FAIL name: diff" per case.
"""
import copy
import glob
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import jsonpatch
import yaml

T = "testing.eks.amazonaws.com/"
MOUNT_FIELDS = ("name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr")


def go_roundtrip(pod):
    pod = copy.deepcopy(pod)
    for lst in ("initContainers", "containers"):
        for c in pod.get("spec", {}).get(lst, []) or []:
            c.setdefault("resources", {})
            if "volumeMounts" in c:
                c["volumeMounts"] = [dict([(k, m[k]) for k in MOUNT_FIELDS if k in m], mountPath=m.get("mountPath", ""))
                                     for m in c["volumeMounts"]]
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if isinstance(c.get(probe), dict) and isinstance(c[probe].get("grpc"), dict):
                    c[probe]["grpc"].setdefault("service", None)
    return pod


def ordered(obj):
    """Dict key order does not matter in JSON objects; list order does."""
    if isinstance(obj, dict):
        return {k: ordered(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [ordered(v) for v in obj]
    return obj


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    data, saoidc, ca, chain, key, apidir = sys.argv[1:7]
    kube = sys.argv[7:]
    ctx = ssl.create_default_context(cafile=ca)
    files = sorted(glob.glob(os.path.join(data, "*.pod.yaml")))
    for f in files:
        name = os.path.basename(f)[:-len(".pod.yaml")]
        pod = yaml.safe_load(open(f))
        ann = pod["metadata"].get("annotations", {})
        sa = {}
        for tk, sk in (("serviceAccount/roleArn", "eks.amazonaws.com/role-arn"),
                       ("serviceAccount/audience", "eks.amazonaws.com/audience")):
            if T + tk in ann:
                sa[sk] = ann[T + tk]
        if T + "serviceAccount/sts-regional-endpoints" in ann:
            sa["eks.amazonaws.com/sts-regional-endpoints"] = ann[T + "serviceAccount/sts-regional-endpoints"]
        if T + "serviceAccount/token-expiration" in ann:
            sa["eks.amazonaws.com/token-expiration"] = ann[T + "serviceAccount/token-expiration"]
        flags = []
        if T + "handler/region" in ann:
            flags += ["--aws-default-region", ann[T + "handler/region"]]
        if ann.get(T + "handler/injectSTS") == "true":
            flags += ["--sts-regional-endpoint"]
        if T + "handler/expiration" in ann:
            flags += ["--token-expiration", ann[T + "handler/expiration"]]
        if T + "handler/mountPath" in ann:
            flags += ["--token-mount-path", ann[T + "handler/mountPath"]]
        json.dump({"metadata": {"name": "default", "namespace": "default", "annotations": sa}},
                  open(os.path.join(apidir, "serviceaccounts_default_default.json"), "w"))
        want = jsonpatch.apply_patch(pod, json.loads(ann[T + "expectedPatch"]))

        port = free_port()
        log = open(os.path.join(apidir, "wh-%s.log" % name), "w")
        wh = subprocess.Popen([saoidc, "webhook", "--listen", "127.0.0.1:%d" % port, "--tls-cert", chain, "--tls-key", key,
                               "--sa-cache-seconds", "0"] + kube + flags, stderr=log)
        try:
            for i in range(100):
                try:
                    urllib.request.urlopen("https://localhost:%d/healthz" % port, context=ctx, timeout=2)
                    break
                except Exception:
                    if wh.poll() is not None:
                        break
                    time.sleep(0.05)
            review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
                "uid": name, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default",
                "operation": "CREATE", "object": pod}}
            req = urllib.request.Request("https://localhost:%d/mutate" % port, data=json.dumps(review).encode(),
                                         headers={"Content-Type": "application/json"})
            out = json.load(urllib.request.urlopen(req, context=ctx, timeout=10))
            resp = out["response"]
            patch = json.loads(__import__("base64").b64decode(resp["patch"])) if resp.get("patch") else []
            got = jsonpatch.apply_patch(pod, patch)
        except Exception as e:
            print("FAIL %s: no answer (%s): %s" % (name, e, open(log.name).read()[-500:]))
            continue
        finally:
            wh.terminate()
            wh.wait()
        g, w = ordered(go_roundtrip(got)), ordered(go_roundtrip(want))
        if g == w:
            print("PASS %s: the same pod as EKS's webhook, order included" % name)
        else:
            gs, ws = json.dumps(g["spec"], sort_keys=True), json.dumps(w["spec"], sort_keys=True)
            print("FAIL %s: got %s | want %s" % (name, gs[:1500], ws[:1500]))


if __name__ == "__main__":
    main()
