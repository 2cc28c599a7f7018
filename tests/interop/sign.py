#!/usr/bin/python3
"""Signs a Kubernetes-shaped service-account token with each private key, using python3-jwt
(PyJWT), with the kid computed here from the key (python3-cryptography), independently of saoidc.

usage: sign.py ISSUER KEYFILE... > tokens.jsonl
"""
import base64
import hashlib
import json
import sys
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ALGS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def kube_kid(pub):
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def claims(issuer):
    now = int(time.time())
    return {
        "aud": ["sts.amazonaws.com"], "exp": now + 3600, "iat": now, "nbf": now, "iss": issuer,
        "jti": str(uuid.uuid4()), "sub": "system:serviceaccount:default:demo",
        "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "demo", "uid": str(uuid.uuid4())},
                          "pod": {"name": "demo-0", "uid": str(uuid.uuid4())},
                          "node": {"name": "node-1", "uid": str(uuid.uuid4())}},
    }


def main():
    issuer = sys.argv[1]
    for path in sys.argv[2:]:
        pem = open(path, "rb").read()
        key = serialization.load_pem_private_key(pem, None)
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else ALGS[key.curve.name]
        kid = kube_kid(key.public_key())
        token = jwt.encode(claims(issuer), key, algorithm=alg, headers={"kid": kid})
        print(json.dumps({"file": path, "kid": kid, "alg": alg, "signer": "python3-jwt", "token": token}))


if __name__ == "__main__":
    main()
