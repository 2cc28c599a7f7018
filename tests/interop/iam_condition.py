#!/usr/bin/python3
"""Evaluates an IAM role trust policy (as saoidc prints it) against a token's claims the way IAM
does for sts:AssumeRoleWithWebIdentity: the Federated principal must be the provider for the
token's issuer, and every condition must hold (StringEquals exact, StringLike with * and ?; a
list of values matches if any value does). Prints "allow" or "deny".

usage: iam_condition.py POLICY.json ISSUER SUB AUD ACCOUNT"""
import fnmatch
import json
import sys


def matches(op, want, got):
    values = want if isinstance(want, list) else [want]
    if op == "StringEquals":
        return got in values
    if op == "StringLike":
        return any(fnmatch.fnmatchcase(got, v) for v in values)
    raise SystemExit("unsupported operator " + op)


def main():
    policy, issuer, sub, aud, account = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    hostpath = issuer[len("https://"):]
    claims = {hostpath + ":sub": sub, hostpath + ":aud": aud}
    for st in policy["Statement"]:
        if st["Effect"] != "Allow" or st["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        if st["Principal"].get("Federated") != "arn:aws:iam::%s:oidc-provider/%s" % (account, hostpath):
            continue
        ok = True
        for op, conds in st.get("Condition", {}).items():
            for key, want in conds.items():
                ok = ok and key in claims and matches(op, want, claims[key])
        if ok:
            print("allow")
            return
    print("deny")


if __name__ == "__main__":
    main()
