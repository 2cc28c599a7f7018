#!/usr/bin/python3
"""A relying party in Python against a running `saoidc serve`: reads the discovery document and
the JWKS it names over HTTP, signs a Kubernetes-shaped token the way kube-apiserver would
(python3-jwt, kid computed by python3-cryptography: sign.py), and verifies it with
python3-jwcrypto against the fetched JWKS, checking iss and aud as STS does.

usage: serve_client.py ISSUER PRIVATE_KEY_PEM
Prints "discovered ISSUER MEMBERS" and "verified SUB", or fails with the reason."""
import json
import sys
import urllib.request

import jwt
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jwt as jjwt

import sign


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def main():
    issuer, keyfile = sys.argv[1], sys.argv[2]
    disc = get(issuer + "/.well-known/openid-configuration")
    if disc["issuer"] != issuer:
        sys.exit("issuer mismatch: %s" % disc["issuer"])
    print("discovered %s %d members" % (disc["issuer"], len(disc)))
    keyset = jwk.JWKSet.from_json(json.dumps(get(disc["jwks_uri"])))
    key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
    token = jwt.encode(sign.claims(issuer), key, algorithm="RS256", headers={"kid": sign.kube_kid(key.public_key())})
    checked = jjwt.JWT(jwt=token, key=keyset, check_claims={"iss": issuer, "aud": "sts.amazonaws.com", "exp": None})
    print("verified %s" % json.loads(checked.claims)["sub"])


if __name__ == "__main__":
    main()
