#!/usr/bin/python3
"""Independent reference for saoidc's output: computes the Kubernetes kid and the JWKS /
discovery documents for the demo keys with python3-cryptography alone (no saoidc code), in
go-jose member order and Go's compact encoding. Prints JSON documents; used to make and to
re-check the golden files in this directory.

usage: make-golden.py jwks KEYFILE... | discovery[-eks] ISSUER JWKS_URI KEYFILE...
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def load_public(path):
    data = open(path, "rb").read()
    if b"PRIVATE KEY" in data:
        return serialization.load_pem_private_key(data, None).public_key()
    return serialization.load_pem_public_key(data)


def kid(pub):
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64u(hashlib.sha256(der).digest())


def uint(n, size=None):
    size = size or max(1, (n.bit_length() + 7) // 8)
    return b64u(n.to_bytes(size, "big"))


CURVES = {"secp256r1": ("P-256", "ES256", 32), "secp384r1": ("P-384", "ES384", 48), "secp521r1": ("P-521", "ES512", 66)}


def jwk(pub):
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        return {"use": "sig", "kty": "RSA", "kid": kid(pub), "alg": "RS256", "n": uint(nums.n), "e": uint(nums.e)}
    crv, alg, size = CURVES[pub.curve.name]
    nums = pub.public_numbers()
    return {"use": "sig", "kty": "EC", "kid": kid(pub), "crv": crv, "alg": alg, "x": uint(nums.x, size), "y": uint(nums.y, size)}


def dump(doc):
    return json.dumps(doc, separators=(",", ":"))


def main():
    mode = sys.argv[1]
    if mode == "jwks":
        seen, keys = set(), []
        for p in sys.argv[2:]:
            k = jwk(load_public(p))
            if k["kid"] not in seen:
                seen.add(k["kid"])
                keys.append(k)
        print(dump({"keys": keys}))
    elif mode in ("discovery", "discovery-eks"):
        # kube-apiserver's document (pkg/serviceaccount/openidmetadata.go): five members, in this
        # order; EKS's hosted issuer adds authorization_endpoint and claims_supported.
        issuer, jwks_uri = sys.argv[2], sys.argv[3]
        algs = sorted({jwk(load_public(p))["alg"] for p in sys.argv[4:]})
        doc = {"issuer": issuer, "jwks_uri": jwks_uri}
        if mode == "discovery-eks":
            doc["authorization_endpoint"] = "urn:kubernetes:programmatic_authorization"
        doc.update({"response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": algs})
        if mode == "discovery-eks":
            doc["claims_supported"] = ["sub", "iss"]
        print(dump(doc))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
