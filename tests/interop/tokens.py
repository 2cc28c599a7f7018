#!/usr/bin/python3
"""Makes, independently of saoidc, a JWKS (python3-jwcrypto) and service-account tokens
(python3-jwt) for every algorithm saoidc verifies, plus tampered tokens that must fail.

usage: tokens.py OUTDIR ISSUER
writes OUTDIR/jwks.json, OUTDIR/<alg>.pem (PKCS#8 private keys, for node jose),
OUTDIR/good-<alg>.jwt and OUTDIR/bad-<what>.jwt
"""
import base64
import hashlib
import json
import os
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwcrypto import jwk

ALGS = {"RS256": ("rsa", 2048), "RS384": ("rsa", 3072), "RS512": ("rsa", 2048), "PS256": ("rsa", 2048),
        "PS384": ("rsa", 2048), "PS512": ("rsa", 4096), "ES256": ("ec", ec.SECP256R1()),
        "ES384": ("ec", ec.SECP384R1()), "ES512": ("ec", ec.SECP521R1())}


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def kube_kid(pub):
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64u(hashlib.sha256(der).digest())


def claims(issuer, **over):
    now = int(time.time())
    c = {"iss": issuer, "sub": "system:serviceaccount:default:demo", "aud": ["sts.amazonaws.com"], "iat": now,
         "nbf": now, "exp": now + 3600, "jti": "t", "kubernetes.io": {"namespace": "default"}}
    c.update(over)
    return c


def flip(token, part, pos=5):
    parts = token.split(".")
    s = list(parts[part])
    i = min(pos, len(s) - 1)
    s[i] = "A" if s[i] != "A" else "B"
    parts[part] = "".join(s)
    return ".".join(parts)


def main():
    out, issuer = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    keys, jwks = {}, {"keys": []}
    for alg, (kind, param) in ALGS.items():
        key = rsa.generate_private_key(65537, param) if kind == "rsa" else ec.generate_private_key(param)
        keys[alg] = key
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        open(os.path.join(out, alg + ".pem"), "wb").write(pem)
        j = json.loads(jwk.JWK.from_pem(pem).export_public())
        j.update({"kid": kube_kid(key.public_key()), "alg": alg, "use": "sig"})
        jwks["keys"].append(j)
        tok = jwt.encode(claims(issuer), key, algorithm=alg, headers={"kid": j["kid"]})
        open(os.path.join(out, "good-%s.jwt" % alg), "w").write(tok + "\n")
    json.dump(jwks, open(os.path.join(out, "jwks.json"), "w"))
    base = open(os.path.join(out, "good-RS256.jwt")).read().strip()
    kid_es = kube_kid(keys["ES256"].public_key())
    bad = {
        "header-flip": flip(base, 0, 10),
        "payload-flip": flip(base, 1, 20),
        "signature-flip": flip(base, 2, 30),
        "alg-none": b64u(json.dumps({"alg": "none", "kid": kube_kid(keys["RS256"].public_key())}).encode()) + "." +
        base.split(".")[1] + ".",
        "kid-other-key": jwt.encode(claims(issuer), keys["RS256"], algorithm="RS256",
                                    headers={"kid": kube_kid(keys["RS512"].public_key())}),
        "kid-unknown": jwt.encode(claims(issuer), keys["RS256"], algorithm="RS256", headers={"kid": "nope"}),
        "hs256-confusion": b64u(json.dumps({"alg": "HS256", "kid": kube_kid(keys["RS256"].public_key())}).encode()) +
        "." + base.split(".")[1] + "." + b64u(hashlib.sha256(b"x").digest()),
        "es256-der-signature": "",
        "expired": jwt.encode(claims(issuer, exp=int(time.time()) - 100), keys["RS256"], algorithm="RS256",
                              headers={"kid": kube_kid(keys["RS256"].public_key())}),
        "wrong-aud": jwt.encode(claims(issuer, aud=["api://other"]), keys["RS256"], algorithm="RS256",
                                headers={"kid": kube_kid(keys["RS256"].public_key())}),
        "wrong-iss": jwt.encode(claims(issuer + "/"), keys["RS256"], algorithm="RS256",
                                headers={"kid": kube_kid(keys["RS256"].public_key())}),
    }
    # ES256 signed, then the raw r||s replaced by its DER form: JWS requires raw.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: F401
    es = open(os.path.join(out, "good-ES256.jwt")).read().strip()
    h, p, _ = es.split(".")
    der = keys["ES256"].sign((h + "." + p).encode(), ec.ECDSA(hashes.SHA256()))
    bad["es256-der-signature"] = h + "." + p + "." + b64u(der)
    for name, tok in bad.items():
        open(os.path.join(out, "bad-%s.jwt" % name), "w").write(tok + "\n")


if __name__ == "__main__":
    main()
