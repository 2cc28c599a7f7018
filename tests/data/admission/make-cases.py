#!/usr/bin/python3
"""Writes cases.json: AdmissionReview requests for Pods, the ServiceAccount annotations the
API server holds for them, and the Pod that must result once the webhook's JSON Patch is
applied. The expected Pods are written out here by hand from what the EKS pod identity webhook,
the Azure workload identity webhook and GCP's credential config do, not computed by saoidc.
The webhook under test runs with --region eu-west-1 --azure-tenant-id tenant-default."""
import copy
import json
import os

AWS_DIR = "/var/run/secrets/eks.amazonaws.com/serviceaccount"


def review(uid, pod, ns="apps", kind="Pod"):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": kind},
                        "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": ns,
                        "operation": "CREATE", "object": pod}}


def pod(containers, sa="app", init=None, volumes=None, annotations=None):
    p = {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "app-", "annotations": annotations or {}},
         "spec": {"serviceAccountName": sa, "containers": containers}}
    if init is not None:
        p["spec"]["initContainers"] = init
    if volumes is not None:
        p["spec"]["volumes"] = volumes
    return p


def c(name, env=None, mounts=None):
    x = {"name": name, "image": "busybox"}
    if env is not None:
        x["env"] = env
    if mounts is not None:
        x["volumeMounts"] = mounts
    return x


def e(n, v):
    return {"name": n, "value": v}


def aws_volume(aud="sts.amazonaws.com", exp=86400):
    return {"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken": {
        "audience": aud, "expirationSeconds": exp, "path": "token"}}]}}


AWS_MOUNT = {"name": "aws-iam-token", "mountPath": AWS_DIR, "readOnly": True}


def aws_env(role, regional=False):
    out = [e("AWS_ROLE_ARN", role), e("AWS_WEB_IDENTITY_TOKEN_FILE", AWS_DIR + "/token")]
    if regional:
        out.append(e("AWS_STS_REGIONAL_ENDPOINTS", "regional"))
    return out + [e("AWS_REGION", "eu-west-1"), e("AWS_DEFAULT_REGION", "eu-west-1")]


AZ_VOLUME = {"name": "azure-identity-token", "projected": {"sources": [{"serviceAccountToken": {
    "audience": "api://AzureADTokenExchange", "expirationSeconds": 3600, "path": "azure-identity-token"}}]}}
AZ_MOUNT = {"name": "azure-identity-token", "mountPath": "/var/run/secrets/azure/tokens", "readOnly": True}


def az_env(client, tenant):
    return [e("AZURE_CLIENT_ID", client), e("AZURE_TENANT_ID", tenant),
            e("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"),
            e("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/")]


ROLE = "arn:aws:iam::123456789012:role/app"
GAUD = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/prov"
cases = []


def case(name, sa_ann, rev, expected, allowed=True, sa="app", ns="apps"):
    if sa == "app":
        # a ServiceAccount of its own for each case
        sa = "sa-%d" % (len(cases) + 1)
        for p in (rev["request"]["object"], expected):
            if "serviceAccountName" in p.get("spec", {}):
                p["spec"]["serviceAccountName"] = sa
    cases.append({"name": name, "namespace": ns, "serviceAccount": sa, "annotations": sa_ann, "review": rev,
                  "expected": expected, "allowed": allowed})


p = pod([c("app")])
x = copy.deepcopy(p)
x["spec"]["volumes"] = [aws_volume()]
x["spec"]["containers"][0].update({"env": aws_env(ROLE), "volumeMounts": [AWS_MOUNT]})
case("aws: a plain pod gets the token volume, mount and env", {"eks.amazonaws.com/role-arn": ROLE}, review("u1", p), x)

p = pod([c("app", env=[e("FOO", "bar"), e("AWS_REGION", "us-west-2")], mounts=[{"name": "data", "mountPath": "/data"}])],
        volumes=[{"name": "data", "emptyDir": {}}])
x = copy.deepcopy(p)
x["spec"]["volumes"].append(aws_volume())
x["spec"]["containers"][0]["env"] += [e(n["name"], n["value"]) for n in aws_env(ROLE) if n["name"] != "AWS_REGION"]
x["spec"]["containers"][0]["volumeMounts"].append(AWS_MOUNT)
case("aws: existing env, volumes and mounts are kept, nothing duplicated", {"eks.amazonaws.com/role-arn": ROLE},
     review("u2", p), x)

p = pod([c("app"), c("sidecar"), c("worker", env=[])], init=[c("init")],
        annotations={"eks.amazonaws.com/skip-containers": "sidecar"})
x = copy.deepcopy(p)
ann = {"eks.amazonaws.com/role-arn": ROLE, "eks.amazonaws.com/audience": "custom-aud",
       "eks.amazonaws.com/sts-regional-endpoints": "true", "eks.amazonaws.com/token-expiration": "100"}
x["spec"]["volumes"] = [aws_volume("custom-aud", 600)]
for ct in x["spec"]["initContainers"] + [x["spec"]["containers"][0], x["spec"]["containers"][2]]:
    ct["env"] = aws_env(ROLE, regional=True)
    ct["volumeMounts"] = [AWS_MOUNT]
case("aws: init containers, several containers, skip-containers, audience, regional STS, expiration clamped to 600",
     ann, review("u3", p), x)

p = pod([c("app")])
case("no annotation: no patch", {}, review("u4", p), copy.deepcopy(p))

p = pod([c("app", env=aws_env(ROLE), mounts=[AWS_MOUNT])], volumes=[aws_volume()])
case("already injected: no patch", {"eks.amazonaws.com/role-arn": ROLE}, review("u5", p), copy.deepcopy(p))

p = pod([c("app")])
x = copy.deepcopy(p)
x["spec"]["volumes"] = [AZ_VOLUME]
x["spec"]["containers"][0].update({"env": az_env("client-1", "tenant-1"), "volumeMounts": [AZ_MOUNT]})
case("azure: client-id and tenant-id", {"azure.workload.identity/client-id": "client-1",
                                        "azure.workload.identity/tenant-id": "tenant-1"}, review("u6", p), x)

p = pod([c("app")])
x = copy.deepcopy(p)
x["spec"]["volumes"] = [{"name": "gcp-ksa", "projected": {"sources": [{"serviceAccountToken": {
    "audience": GAUD, "expirationSeconds": 3600, "path": "token"}}]}},
                        {"name": "gcp-credential-config", "configMap": {"name": "gcp-creds"}}]
x["spec"]["containers"][0].update({"env": [e("GOOGLE_APPLICATION_CREDENTIALS",
                                             "/etc/workload-identity/credential-configuration.json")],
                                   "volumeMounts": [{"name": "gcp-ksa", "mountPath": "/var/run/secrets/tokens/gcp",
                                                     "readOnly": True},
                                                    {"name": "gcp-credential-config",
                                                     "mountPath": "/etc/workload-identity", "readOnly": True}]})
case("gcp: credential config ConfigMap and token", {"saoidc.io/gcp-credential-config": "gcp-creds",
                                                    "saoidc.io/gcp-audience": GAUD}, review("u7", p), x)

p = pod([c("app")])
x = copy.deepcopy(p)
x["spec"]["volumes"] = [aws_volume(), AZ_VOLUME]
x["spec"]["containers"][0].update({"env": aws_env(ROLE) + az_env("client-2", "tenant-default"),
                                   "volumeMounts": [AWS_MOUNT, AZ_MOUNT]})
case("aws and azure together; the default tenant", {"eks.amazonaws.com/role-arn": ROLE,
                                                    "azure.workload.identity/client-id": "client-2"},
     review("u8", p), x)

p = pod([c("app")], sa="default")
x = copy.deepcopy(p)
x["spec"]["volumes"] = [aws_volume()]
x["spec"]["containers"][0].update({"env": aws_env(ROLE), "volumeMounts": [AWS_MOUNT]})
del p["spec"]["serviceAccountName"]
del x["spec"]["serviceAccountName"]
case("no serviceAccountName: the default ServiceAccount", {"eks.amazonaws.com/role-arn": ROLE}, review("u9", p), x,
     sa="default")

dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}}
case("not a Pod: allowed unchanged", {"eks.amazonaws.com/role-arn": ROLE}, review("u10", dep, kind="Deployment"),
     copy.deepcopy(dep))

here = os.path.dirname(os.path.abspath(__file__))
json.dump(cases, open(os.path.join(here, "cases.json"), "w"), indent=1)
print(len(cases), "cases")
