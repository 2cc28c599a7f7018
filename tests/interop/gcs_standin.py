#!/usr/bin/python3
"""A Cloud Storage stand-in on loopback (HTTPS), checked against Google's published model: the
storage v1 discovery document as Google's Go client carries it (Debian's golang-google-api-dev,
storage-gen.go, where each method's discovery entry is kept verbatim, and the Object schema's
JSON member names). Every JSON API request is matched to a discovery method by its HTTP method
and path template; each query parameter must be one the method or the API declares, enums and
int64 formats are checked, a multipart upload's metadata may only use Object's members. Then the
request is played as Cloud Storage plays it: generations and ifGenerationMatch (412
conditionNotMet), predefinedAcl against uniform bucket-level access, IAM policies, Google's error
bodies. Access tokens come from the OAuth stand-ins here, whose grants are verified: the
service-account JWT assertion against the key's public half (RS256, iss, aud, scope, lifetime),
Google STS's token exchange against the cluster's JWKS (workload identity federation), IAM
Credentials' generateAccessToken, and a GCE metadata server (plain http, Metadata-Flavor).

With --iam-go-client (iam-gen.go) it also plays IAM's projects.locations.workloadIdentityPools.
providers.get for the providers given as JSON files (--provider), each checked at start against
the WorkloadIdentityPoolProvider and Oidc schemas' members; a request is matched to the discovery
method by its path template and the name's pattern, needs a token granted with the cloud-platform
scope (else 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT, as Google answers), and gets IAM's google.rpc
error bodies (UNAUTHENTICATED, PERMISSION_DENIED with --iam-deny, NOT_FOUND).

usage: gcs_standin.py --listen PORT --cert CHAIN --key KEY --log FILE --go-client storage-gen.go
                      --bucket NAME:uniform-public|uniform-private|fine [...]
                      [--sa-key sa.json] [--role objectAdmin|admin]
                      [--sts-audience AUD --jwks FILE --issuer ISS] [--metadata-listen PORT]
                      [--slow-conditional-ms MS] [--hang SUBSTR]
                      [--iam-go-client iam-gen.go --provider FILE ... [--iam-deny]]
The log gets one JSON line per request: method (the discovery id, or the endpoint), status.
"""
import argparse
import base64
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk, jws

from testhttp import note, reply, serve_tls

# The storage v1 discovery document's API-wide parameters (its top-level "parameters").
GLOBAL_PARAMS = {"alt": ["json", "media"], "fields": None, "key": None, "oauth_token": None, "prettyPrint": None,
                 "quotaUser": None, "userIp": None, "uploadType": ["media", "multipart", "resumable"],
                 "upload_protocol": None}
# IAM v1's API-wide parameters (its discovery document's top-level "parameters").
IAM_GLOBAL_PARAMS = ("$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token", "prettyPrint",
                     "quotaUser", "uploadType", "upload_protocol")
STORAGE_SCOPES = ("https://www.googleapis.com/auth/devstorage.read_write",
                  "https://www.googleapis.com/auth/devstorage.full_control",
                  "https://www.googleapis.com/auth/cloud-platform")


def methods_of(src):
    """Each discovery method entry the Go client keeps verbatim in its comments, by id."""
    methods = {}
    for b in re.findall(r"\n\t// \{\n((?:\t//.*\n)*?)\t// \}\n", src):
        m = json.loads("{" + "".join(line[4:] + "\n" for line in b.splitlines()) + "}")
        methods[m["id"]] = m
    return methods


def load_model(path):
    src = open(path).read()
    return methods_of(src), struct_members(src, "Object")


def struct_members(src, name):
    """The JSON member names of a schema, from the Go client's struct for it."""
    body = re.search(r"\ntype %s struct \{\n(.*?)\n\}\n" % name, src, re.S).group(1)
    return set(re.findall(r'json:"(\w+)', body))


def template(path):
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def b64u_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class State:
    def __init__(self, buckets):
        self.lock = threading.Lock()
        self.buckets = buckets  # name -> "uniform-public" | "uniform-private" | "fine"
        self.objects = {}  # (bucket, name) -> dict
        self.generation = int(time.time() * 1000000)
        self.tokens = {}  # access token -> what it is ("storage", "cloud" for cloud-platform, or "sts")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def gerr(self, method, status, reason, message, extra=None):
        e = {"domain": "global", "reason": reason, "message": message}
        e.update(extra or {})
        note(self.server, method=method, status=status, reason=reason, path=self.path)
        reply(self, status, json.dumps({"error": {"code": status, "message": message, "errors": [e]}}),
              "application/json; charset=UTF-8")

    def oauth_err(self, what, status, error, desc):
        note(self.server, method=what, status=status, error=error)
        reply(self, status, json.dumps({"error": error, "error_description": desc}), "application/json; charset=utf-8")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def grant(self, what, kind, extra=None, scopes=()):
        if kind == "storage" and "https://www.googleapis.com/auth/cloud-platform" in scopes:
            kind = "cloud"
        tok = "ya29.stand-in-" + secrets.token_urlsafe(24)
        with self.server.state.lock:
            self.server.state.tokens[tok] = kind
        note(self.server, method=what, status=200)
        out = {"access_token": tok, "expires_in": 3599, "token_type": "Bearer"}
        out.update(extra or {})
        reply(self, 200, json.dumps(out), "application/json; charset=utf-8")

    # --- OAuth: the service account's JWT-bearer grant, user refresh tokens ---
    def token(self):
        s = self.server
        f = {k: v[0] for k, v in urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True).items()}
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return self.oauth_err("oauth2.token", 400, "invalid_request", "Bad content type.")
        if f.get("grant_type") == "refresh_token":
            if (f.get("client_id"), f.get("client_secret"), f.get("refresh_token")) != ("user-client", "user-secret",
                                                                                       "user-refresh"):
                return self.oauth_err("oauth2.token", 400, "invalid_grant", "Bad Request")
            return self.grant("oauth2.token(refresh_token)", "storage")
        if f.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or "assertion" not in f:
            return self.oauth_err("oauth2.token", 400, "unsupported_grant_type", "Invalid grant_type: %s" %
                                  f.get("grant_type"))
        try:
            h64, c64, s64 = f["assertion"].split(".")
            head, claims = b64u_json(h64), b64u_json(c64)
            if head.get("alg") != "RS256":
                raise ValueError("alg")
            s.sa_pub.verify(base64.urlsafe_b64decode(s64 + "=" * (-len(s64) % 4)), (h64 + "." + c64).encode(),
                            padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return self.oauth_err("oauth2.token", 400, "invalid_grant", "Invalid JWT Signature.")
        now = time.time()
        if head.get("kid") != s.sa["private_key_id"]:
            return self.oauth_err("oauth2.token", 400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("iss") != s.sa["client_email"] or claims.get("aud") != s.sa["token_uri"]:
            return self.oauth_err("oauth2.token", 400, "invalid_grant", "Invalid JWT: iss or aud.")
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0)) or claims["exp"] - claims["iat"] > 3600:
            return self.oauth_err("oauth2.token", 400, "invalid_grant",
                                  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                                  "timeframe. Check your iat and exp values in the JWT claim.")
        if not set(claims.get("scope", "").split()) & set(STORAGE_SCOPES):
            return self.oauth_err("oauth2.token", 400, "invalid_scope", "Invalid OAuth scope or ID token audience "
                                  "provided.")
        return self.grant("oauth2.token(jwt-bearer)", "storage", scopes=claims.get("scope", "").split())

    # --- Google STS (workload identity federation) and IAM Credentials ---
    def sts(self):
        s = self.server
        f = {k: v[0] for k, v in urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True).items()}
        want = {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt"}
        for k, v in want.items():
            if f.get(k) != v:
                return self.oauth_err("sts.token", 400, "invalid_request", "Invalid value for %s." % k)
        if f.get("audience") != s.sts_audience:
            return self.oauth_err("sts.token", 400, "invalid_target", "The target service indicated by the "
                                  "\"audience\" parameters is invalid.")
        try:
            obj = jws.JWS()
            obj.deserialize(f.get("subject_token", ""))
            obj.verify(s.jwks.get_key(b64u_json(f["subject_token"].split(".")[0]).get("kid")))
            claims = json.loads(obj.payload)
        except Exception:
            return self.oauth_err("sts.token", 400, "invalid_grant", "Invalid JWT signature.")
        if claims.get("iss") != s.issuer or not (claims.get("nbf", 0) - 300 <= time.time() < claims.get("exp", 0)):
            return self.oauth_err("sts.token", 400, "invalid_grant", "The issuer or lifetime in the ID Token is "
                                  "not valid.")
        aud = claims.get("aud")
        if s.sts_audience.replace("//iam.googleapis.com/", "https://iam.googleapis.com/") not in (
                aud if isinstance(aud, list) else [aud]):
            return self.oauth_err("sts.token", 400, "invalid_grant", "The audience in ID Token [%s] does not match "
                                  "the expected audience." % aud)
        return self.grant("sts.token", "sts" if "cloud-platform" in f.get("scope", "") else "storage",
                          {"issued_token_type": "urn:ietf:params:oauth:token-type:access_token"})

    def impersonate(self):
        auth = self.headers.get("Authorization", "")
        with self.server.state.lock:
            kind = self.server.state.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if kind != "sts":
            return self.gerr("iamcredentials.generateAccessToken", 401, "authError", "Request had invalid "
                             "authentication credentials.")
        req = json.loads(self.body() or b"{}")
        if not set(req.get("scope", [])) & set(STORAGE_SCOPES):
            return self.gerr("iamcredentials.generateAccessToken", 400, "invalid", "Scope required.")
        tok = "ya29.impersonated-" + secrets.token_urlsafe(24)
        with self.server.state.lock:
            self.server.state.tokens[tok] = "storage"
        note(self.server, method="iamcredentials.generateAccessToken", status=200)
        reply(self, 200, json.dumps({"accessToken": tok, "expireTime": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))}), "application/json; charset=utf-8")

    # --- the JSON API ---
    def route(self, verb, path):
        """The discovery method whose HTTP method and path template (or media upload path) match."""
        upload = path.startswith("/upload/")
        for mid, m in self.server.methods.items():
            if m["httpMethod"] != verb or (upload and "mediaUpload" not in m):
                continue
            tpl = m["mediaUpload"]["protocols"]["simple"]["path"] if upload else "/storage/v1/" + m["path"]
            mt = template(tpl).match(path)
            if mt:
                return mid, m, {k: urllib.parse.unquote(v) for k, v in mt.groupdict().items()}
        return None, None, None

    def check_params(self, mid, m, query):
        for k, vs in query.items():
            if len(vs) != 1:
                return "parameter %s given %d times" % (k, len(vs))
            p = m["parameters"].get(k)
            if p is None:
                if k not in GLOBAL_PARAMS:
                    return "unknown parameter %s for %s" % (k, mid)
                if GLOBAL_PARAMS[k] and vs[0] not in GLOBAL_PARAMS[k]:
                    return "invalid value for %s: %s" % (k, vs[0])
                continue
            if p.get("location") != "query":
                return "%s is a %s parameter, not a query one" % (k, p.get("location"))
            if "enum" in p and vs[0] not in p["enum"]:
                return "invalid value for %s: %s" % (k, vs[0])
            if p.get("format") == "int64" and not re.fullmatch(r"-?\d+", vs[0]):
                return "invalid int64 for %s: %s" % (k, vs[0])
        for k, p in m["parameters"].items():
            if p.get("required") and p.get("location") == "query" and k not in query:
                return "required parameter %s missing" % k
        return None

    def authorised(self):
        auth = self.headers.get("Authorization", "")
        with self.server.state.lock:
            return auth.startswith("Bearer ") and self.server.state.tokens.get(auth[7:]) in ("storage", "cloud")

    def api(self, verb):
        u = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        mid, m, args = self.route(verb, u.path)
        body = self.body()
        if m is None:
            return self.gerr("?", 404, "notFound", "Not Found")
        why = self.check_params(mid, m, query)
        if why:
            return self.gerr(mid, 400, "invalid", why)
        if not self.authorised():
            return self.gerr(mid, 401, "required", "Anonymous caller does not have storage access to the Google "
                             "Cloud Storage resource.", {"locationType": "header", "location": "Authorization"})
        q = {k: v[0] for k, v in query.items()}
        bucket = args.get("bucket")
        if bucket not in self.server.state.buckets:
            return self.gerr(mid, 404, "notFound", "The specified bucket does not exist.")
        if mid.startswith("storage.buckets.") and self.server.role == "objectAdmin":
            perm = "storage.buckets.get" if mid == "storage.buckets.get" else "storage.buckets.getIamPolicy"
            return self.gerr(mid, 403, "forbidden", "publisher@proj.iam.gserviceaccount.com does not have %s "
                             "access to the Google Cloud Storage bucket. Permission '%s' denied on resource (or it "
                             "may not exist)." % (perm, perm))
        if mid == "storage.buckets.get":
            mode = self.server.state.buckets[bucket]
            note(self.server, method=mid, status=200)
            return reply(self, 200, json.dumps({"iamConfiguration": {"uniformBucketLevelAccess": {
                "enabled": mode != "fine"}}}), "application/json; charset=UTF-8")
        if mid == "storage.buckets.getIamPolicy":
            bindings = [{"role": "roles/storage.admin", "members": ["projectOwner:proj"]}]
            if self.server.state.buckets[bucket] == "uniform-public":
                bindings.append({"role": "roles/storage.objectViewer", "members": ["allUsers"]})
            note(self.server, method=mid, status=200)
            return reply(self, 200, json.dumps({"kind": "storage#policy", "resourceId": "projects/_/buckets/" + bucket,
                                                "version": 1, "etag": "CAE=", "bindings": bindings}),
                         "application/json; charset=UTF-8")
        if mid == "storage.objects.get":
            return self.get_object(mid, bucket, args["object"], q)
        if mid == "storage.objects.insert":
            return self.insert(mid, bucket, q, body)
        return self.gerr(mid, 501, "notImplemented", "the stand-in does not play %s" % mid)

    def resource(self, bucket, o):
        return {"kind": "storage#object", "id": "%s/%s/%d" % (bucket, o["name"], o["generation"]),
                "name": o["name"], "bucket": bucket, "generation": str(o["generation"]), "metageneration": "1",
                "contentType": o["contentType"], "size": str(len(o["data"])),
                "md5Hash": base64.b64encode(hashlib.md5(o["data"]).digest()).decode(),
                "crc32c": base64.b64encode(crc32c(o["data"]).to_bytes(4, "big")).decode(),
                "etag": "CL%d" % o["generation"], "timeCreated": o["updated"], "updated": o["updated"],
                "storageClass": "STANDARD", **({"cacheControl": o["cacheControl"]} if o.get("cacheControl") else {})}

    def media_headers(self, o):
        return [("x-goog-generation", str(o["generation"])), ("x-goog-metageneration", "1"),
                ("x-goog-hash", "crc32c=%s" % base64.b64encode(crc32c(o["data"]).to_bytes(4, "big")).decode()),
                ("x-goog-hash", "md5=%s" % base64.b64encode(hashlib.md5(o["data"]).digest()).decode()),
                ("x-goog-stored-content-length", str(len(o["data"])))] + \
            ([("Cache-Control", o["cacheControl"])] if o.get("cacheControl") else [])

    def get_object(self, mid, bucket, name, q):
        with self.server.state.lock:
            o = self.server.state.objects.get((bucket, name))
        if o is None or ("generation" in q and int(q["generation"]) != o["generation"]):
            return self.gerr(mid, 404, "notFound", "No such object: %s/%s" % (bucket, name))
        if "ifGenerationMatch" in q and int(q["ifGenerationMatch"]) != o["generation"]:
            return self.gerr(mid, 412, "conditionNotMet", "At least one of the pre-conditions you specified did "
                             "not hold.", {"locationType": "header", "location": "If-Match"})
        note(self.server, method=mid, status=200, alt=q.get("alt", "json"))
        if q.get("alt") == "media":
            return reply(self, 200, o["data"], o["contentType"], self.media_headers(o))
        return reply(self, 200, json.dumps(self.resource(bucket, o)), "application/json; charset=UTF-8")

    def multipart(self, body):
        ctype = self.headers.get("Content-Type", "")
        m = re.fullmatch(r'multipart/related; boundary="?([^";]+)"?', ctype)
        if not m:
            return None, "uploadType=multipart needs Content-Type multipart/related with a boundary"
        sep = b"--" + m.group(1).encode()
        parts = body.split(sep)
        if len(parts) != 4 or parts[0] != b"" or not parts[3].startswith(b"--"):
            return None, "a multipart upload has exactly two parts (metadata, media)"
        out = []
        for p in parts[1:3]:
            if not p.startswith(b"\r\n") or not p.endswith(b"\r\n") or b"\r\n\r\n" not in p:
                return None, "malformed multipart part"
            head, data = p[2:-2].split(b"\r\n\r\n", 1)
            hs = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
            out.append((hs.get("Content-Type", ""), data))
        if out[0][0].split(";")[0] != "application/json":
            return None, "the first part must be the JSON metadata"
        return out, None

    def insert(self, mid, bucket, q, body):
        s = self.server
        if q.get("uploadType") != "multipart":
            return self.gerr(mid, 400, "invalid", "the stand-in plays uploadType=multipart")
        parts, why = self.multipart(body)
        if why:
            return self.gerr(mid, 400, "invalid", why)
        meta = json.loads(parts[0][1])
        unknown = set(meta) - s.members
        if unknown:
            return self.gerr(mid, 400, "invalid", "unknown Object members: %s" % sorted(unknown))
        name = q.get("name", meta.get("name"))
        if not name or ("name" in meta and meta["name"] != name):
            return self.gerr(mid, 400, "required", "Required: the object name")
        if parts[1][0] != meta.get("contentType"):
            return self.gerr(mid, 400, "invalid", "the media part's Content-Type is not the metadata's")
        if q.get("predefinedAcl") and s.state.buckets[bucket] != "fine":
            return self.gerr(mid, 400, "invalid", "Cannot insert legacy ACL for an object when uniform bucket-level "
                             "access is enabled. Read more at https://cloud.google.com/storage/docs/uniform-bucket-"
                             "level-access")
        if s.hang and s.hang in name:
            with s.state.lock:
                first, s.hung = not s.hung, True
            if first:
                note(self.server, method=mid, status="hanging", name=name)
                time.sleep(60)
                return None
        if "ifGenerationMatch" in q and s.slow_ms:
            time.sleep(s.slow_ms / 1000.0)
        with s.state.lock:
            cur = s.state.objects.get((bucket, name))
            want = q.get("ifGenerationMatch")
            if want is not None and (int(want) != (cur["generation"] if cur else 0)):
                fail = True
            else:
                fail = False
                s.state.generation += 1
                o = {"name": name, "data": parts[1][1], "contentType": meta.get("contentType"),
                     "cacheControl": meta.get("cacheControl"), "generation": s.state.generation,
                     "updated": now_rfc3339(), "public": q.get("predefinedAcl") == "publicRead"}
                s.state.objects[(bucket, name)] = o
        if fail:
            return self.gerr(mid, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not "
                             "hold.", {"locationType": "header", "location": "If-Match"})
        note(self.server, method=mid, status=200, name=name, conditional=q.get("ifGenerationMatch"),
                  acl=q.get("predefinedAcl"))
        reply(self, 200, json.dumps(self.resource(bucket, o)), "application/json; charset=UTF-8")

    def public(self):
        """GET /BUCKET/OBJECT as anyone: what STS does with the issuer's URLs."""
        parts = urllib.parse.urlsplit(self.path).path.lstrip("/").split("/", 1)
        bucket, name = parts[0], urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
        mode = self.server.state.buckets.get(bucket)
        with self.server.state.lock:
            o = self.server.state.objects.get((bucket, name))
        readable = mode == "uniform-public" or (o is not None and o.get("public"))
        note(self.server, method="public-get", status=200 if readable and o else (404 if mode == "uniform-public" else 403))
        if mode is None:
            return reply(self, 404, "<Error><Code>NoSuchBucket</Code></Error>", "application/xml; charset=UTF-8")
        if not readable:
            return reply(self, 403, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>"
                         "Access denied.</Message><Details>Anonymous caller does not have storage.objects.get access "
                         "to the Google Cloud Storage object.</Details></Error>", "application/xml; charset=UTF-8")
        if o is None:
            return reply(self, 404, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>"
                         "The specified key does not exist.</Message></Error>", "application/xml; charset=UTF-8")
        reply(self, 200, o["data"], o["contentType"], self.media_headers(o))

    # --- IAM: workload identity pool providers ---
    def iam_err(self, status, code, message, reason=None):
        e = {"code": status, "message": message, "status": code}
        if reason:
            e["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                             "domain": "googleapis.com", "metadata": {"service": "iam.googleapis.com"}}]
        note(self.server, method="iam", status=status, reason=reason or code, path=self.path)
        reply(self, status, json.dumps({"error": e}), "application/json; charset=UTF-8")

    def iam(self):
        s = self.server
        u = urllib.parse.urlsplit(self.path)
        mid = "iam.projects.locations.workloadIdentityPools.providers.get"
        m = s.iam_methods.get(mid)
        name = urllib.parse.unquote(u.path[len("/v1/"):])
        if m is None or m["path"] != "v1/{+name}" or not re.fullmatch(m["parameters"]["name"]["pattern"], name):
            return self.iam_err(404, "NOT_FOUND", "Method not found.")
        for k in urllib.parse.parse_qs(u.query, keep_blank_values=True):
            if k not in IAM_GLOBAL_PARAMS:
                return self.iam_err(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"%s\": "
                                    "Cannot bind query parameter." % k)
        auth = self.headers.get("Authorization", "")
        with s.state.lock:
            kind = s.state.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if kind is None:
            return self.iam_err(401, "UNAUTHENTICATED", "Request is missing required authentication credential. "
                                "Expected OAuth 2 access token, login cookie or other valid authentication "
                                "credential.", "CREDENTIALS_MISSING")
        if kind != "cloud":
            return self.iam_err(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.",
                                "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        if s.iam_deny:
            return self.iam_err(403, "PERMISSION_DENIED", "Permission 'iam.workloadIdentityPoolProviders.get' "
                                "denied on resource '//iam.googleapis.com/%s' (or it may not exist)." % name,
                                "IAM_PERMISSION_DENIED")
        if name not in s.providers:
            return self.iam_err(404, "NOT_FOUND", "Requested entity was not found.")
        note(s, method=mid, status=200, path=self.path)
        reply(self, 200, json.dumps(s.providers[name]), "application/json; charset=UTF-8")

    def do_GET(self):
        if self.path.startswith("/storage/v1/"):
            return self.api("GET")
        if self.path.startswith("/v1/projects/") and self.server.iam_methods:
            return self.iam()
        return self.public()

    def do_POST(self):
        p = urllib.parse.urlsplit(self.path).path
        if p == "/token":
            return self.token()
        if p == "/v1/token":
            return self.sts()
        if re.fullmatch(r"/v1/projects/-/serviceAccounts/[^/]+:generateAccessToken", p):
            return self.impersonate()
        return self.api("POST")


class MetadataHandler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        main = self.server.main
        if urllib.parse.urlsplit(self.path).path != "/computeMetadata/v1/instance/service-accounts/default/token":
            return reply(self, 404, "Not Found", "text/html")
        if self.headers.get("Metadata-Flavor") != "Google":
            return reply(self, 403, "Missing Metadata-Flavor:Google header.", "text/html")
        tok = "ya29.metadata-" + secrets.token_urlsafe(24)
        scopes = (urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("scopes") or [""])[0]
        with main.state.lock:
            main.state.tokens[tok] = "cloud" if "auth/cloud-platform" in scopes else "storage"
        reply(self, 200, json.dumps({"access_token": tok, "expires_in": 3599, "token_type": "Bearer"}),
              "application/json")


def main():
    ap = argparse.ArgumentParser()
    for o in ("--cert", "--key", "--log", "--go-client"):
        ap.add_argument(o, required=True)
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--bucket", action="append", default=[])
    ap.add_argument("--sa-key")
    ap.add_argument("--role", default="admin")
    ap.add_argument("--sts-audience")
    ap.add_argument("--jwks")
    ap.add_argument("--issuer")
    ap.add_argument("--metadata-listen", type=int)
    ap.add_argument("--slow-conditional-ms", type=int, default=0)
    ap.add_argument("--hang", default="")
    ap.add_argument("--iam-go-client")
    ap.add_argument("--provider", action="append", default=[])
    ap.add_argument("--iam-deny", action="store_true")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.listen), Handler)
    serve_tls(srv, a.cert, a.key)
    srv.daemon_threads = True
    srv.methods, srv.members = load_model(a.go_client)
    srv.iam_methods, srv.providers, srv.iam_deny = {}, {}, a.iam_deny
    if a.iam_go_client:
        src = open(a.iam_go_client).read()
        srv.iam_methods = methods_of(src)
        pm, om = struct_members(src, "WorkloadIdentityPoolProvider"), struct_members(src, "Oidc")
        for f in a.provider:
            p = json.load(open(f))
            bad = (set(p) - pm) | (set(p.get("oidc", {})) - om)
            if bad:
                raise SystemExit("%s: not WorkloadIdentityPoolProvider members: %s" % (f, sorted(bad)))
            srv.providers[p["name"]] = p
    srv.state = State(dict(b.split(":", 1) for b in a.bucket))
    srv.log, srv.role, srv.slow_ms, srv.hang, srv.hung = a.log, a.role, a.slow_conditional_ms, a.hang, False
    srv.log_lock = threading.Lock()
    srv.sts_audience, srv.issuer = a.sts_audience, a.issuer
    srv.jwks = jwk.JWKSet.from_json(open(a.jwks).read()) if a.jwks else None
    if a.sa_key:
        srv.sa = json.load(open(a.sa_key))
        srv.sa_pub = serialization.load_pem_private_key(srv.sa["private_key"].encode(), None).public_key()
    if a.metadata_listen:
        md = ThreadingHTTPServer(("127.0.0.1", a.metadata_listen), MetadataHandler)
        md.main = srv
        threading.Thread(target=md.serve_forever, daemon=True).start()
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
