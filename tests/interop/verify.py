#!/usr/bin/python3
"""Verifies every token (signed by python3-jwt and by node jose) against saoidc's JWKS with
python3-jwcrypto, and checks the JWK encoding rules: n/e minimal, EC x/y padded to the field.

usage: verify.py ISSUER JWKS_FILE TOKENS.jsonl...
"""
import base64
import json
import sys

from jwcrypto import jwk, jwt

SIZES = {"P-256": 32, "P-384": 48, "P-521": 66}


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def say(ok, msg):
    print(("PASS " if ok else "FAIL ") + msg)


def main():
    issuer, jwks_file = sys.argv[1], sys.argv[2]
    raw = json.load(open(jwks_file))
    keyset = jwk.JWKSet.from_json(json.dumps(raw))
    by_kid = {k["kid"]: k for k in raw["keys"]}
    for k in raw["keys"]:
        private = [m for m in ("d", "p", "q", "dp", "dq", "qi") if m in k]
        if k["kty"] == "RSA":
            n, e = b64d(k["n"]), b64d(k["e"])
            good = n[0] != 0 and e[0] != 0 and not private
            say(good, "JWK %s: RSA n (%d bytes) and e minimal, no private member" % (k["kid"][:8], len(n)))
        else:
            x, y = b64d(k["x"]), b64d(k["y"])
            size = SIZES[k["crv"]]
            say(len(x) == size and len(y) == size and not private,
                "JWK %s: %s x/y are %d bytes, no private member" % (k["kid"][:8], k["crv"], size))
    for path in sys.argv[3:]:
        for line in open(path):
            t = json.loads(line)
            name = t["file"].rsplit("/", 1)[-1]
            try:
                tok = jwt.JWT(jwt=t["token"], key=keyset, algs=[t["alg"]],
                              check_claims={"iss": issuer, "aud": "sts.amazonaws.com", "exp": None})
                claims = json.loads(tok.claims)
                ok = claims["sub"] == "system:serviceaccount:default:demo" and t["kid"] in by_kid
                say(ok, "jwcrypto verifies the %s %s token of %s" % (t["alg"], t["signer"], name))
            except Exception as e:  # noqa: BLE001 - any failure is a test failure, with its reason
                say(False, "jwcrypto verifies the %s %s token of %s: %s" % (t["alg"], t["signer"], name, e))


if __name__ == "__main__":
    main()
