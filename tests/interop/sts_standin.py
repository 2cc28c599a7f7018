#!/usr/bin/python3
"""A stand-in for AWS STS's Query API on loopback, for the credential tests: AssumeRole and
GetCallerIdentity; and for the IAM Identity Center (SSO) portal's GetRoleCredentials
(GET /federation/credentials, the bearer token in x-amz-sso_bearer_token must be --sso-token), each signed request checked with python3-botocore's own signer (sigv4check)
and its parameters validated against botocore's STS model; the answers are STS's XML. Keys:
the base user's (--key AK:SK) and, once a role is assumed, the session's (ASIA...:SECRET with
a session token). AssumeRole needs --role-arn, and --external-id when given. Every request is
logged as a JSON line (action, the access key that signed it, the parameters but secrets).

usage: sts_standin.py --listen PORT --key AK:SK --role-arn ARN [--external-id X] --log FILE
"""
import argparse
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from botocore.validate import ParamValidator

import sigv4check
import testhttp

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_AK, SESSION_SK, SESSION_TOKEN = "ASIASTANDINEXAMPLE", "sessionsecretEXAMPLE", "FwoGZXIvYXdzEXAMPLETOKEN"


def session(i):
    """The session credentials of the i-th --role-arn (the first's are the constants above)."""
    if i == 0:
        return SESSION_AK, SESSION_SK, SESSION_TOKEN
    return "ASIASTANDIN%dEXAMPLE" % i, "sessionsecret%dEXAMPLE" % i, "FwoGZXIvYXdzEXAMPLETOKEN%d" % i
_model = botocore.session.get_session().get_service_model("sts")
_sso = botocore.session.get_session().get_service_model("sso")


def error(code, message, status=400):
    return status, ("<ErrorResponse xmlns=\"%s\"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
                    "</Error><RequestId>r</RequestId></ErrorResponse>") % (NS, code, message)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        a = self.server.args
        u = urllib.parse.urlparse(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        params = {"roleName": q.get("role_name", ""), "accountId": q.get("account_id", ""),
                  "accessToken": self.headers.get("x-amz-sso_bearer_token", "")}
        report = ParamValidator().validate(params, _sso.operation_model("GetRoleCredentials").input_shape)
        if u.path != "/federation/credentials" or report.has_errors():
            status, out = 400, json.dumps({"message": "bad request"})
        elif params["accessToken"] != a.sso_token:
            status, out = 401, json.dumps({"message": "Session token not found or invalid"})
        else:
            status, out = 200, json.dumps({"roleCredentials": {"accessKeyId": SESSION_AK, "secretAccessKey": SESSION_SK,
                                                               "sessionToken": SESSION_TOKEN, "expiration": 4102444800000}})
        with self.server.lock, open(a.log, "a") as f:
            f.write(json.dumps({"action": "GetRoleCredentials", "status": status, "signer": None,
                                "params": {"RoleArn": params["roleName"], "RoleSessionName": params["accountId"]}}) + "\n")
        testhttp.reply(self, status, out.encode(), "application/json")

    def do_POST(self):
        a = self.server.args
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
        action = form.pop("Action", "")
        version = form.pop("Version", "")
        ak, sk = a.key.split(":", 1)
        keys = dict([(ak, sk)] + [session(i)[:2] for i in range(len(a.role_arn))])
        bad = sigv4check.check("POST", self.path, self.headers, body, keys, service="sts")
        sessions = {session(i)[0]: (session(i), r) for i, r in enumerate(a.role_arn)}
        signer = (sigv4check.AUTH_RE.match(self.headers.get("Authorization", "")) or [None, None])[1]
        status, out = 200, ""
        if bad:
            status, out = error("SignatureDoesNotMatch", bad, 403)
        elif version != "2011-06-15":
            status, out = error("InvalidAction", "bad Version")
        elif action not in ("AssumeRole", "GetCallerIdentity"):
            status, out = error("InvalidAction", "Could not find operation %s" % action)
        else:
            params = dict(form)
            if "DurationSeconds" in params:
                params["DurationSeconds"] = int(params["DurationSeconds"])
            report = ParamValidator().validate(params, _model.operation_model(action).input_shape)
            if report.has_errors():
                status, out = error("ValidationError", report.generate_report().replace("\n", " "))
            elif action == "AssumeRole":
                if signer != ak:
                    status, out = error("AccessDenied", "AssumeRole must be signed by the base user")
                elif form["RoleArn"] not in a.role_arn:
                    status, out = error("AccessDenied", "not authorized to perform sts:AssumeRole on %s" % form["RoleArn"], 403)
                elif a.external_id and form.get("ExternalId") != a.external_id:
                    status, out = error("AccessDenied", "ExternalId does not match", 403)
                else:
                    out = ("<AssumeRoleResponse xmlns=\"%s\"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA:%s"
                           "</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser><Credentials><AccessKeyId>%s</AccessKeyId>"
                           "<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>"
                           "2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult><ResponseMetadata>"
                           "<RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>") % ((
                        NS, form["RoleSessionName"], form["RoleArn"].replace(":role/", ":assumed-role/") + "/" +
                        form["RoleSessionName"]) + session(a.role_arn.index(form["RoleArn"])))
            else:
                (sak, _, stok), role = sessions.get(signer, ((None, None, None), None))
                who = (role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/session"
                       if role else "arn:aws:iam::123456789012:user/base")
                acct = role.split(":")[4] if role else "123456789012"
                if role and self.headers.get("X-Amz-Security-Token") != stok:
                    status, out = error("InvalidClientTokenId", "The security token included in the request is invalid", 403)
                else:
                    out = ("<GetCallerIdentityResponse xmlns=\"%s\"><GetCallerIdentityResult><Arn>%s</Arn>"
                           "<UserId>AIDAEXAMPLE</UserId><Account>%s</Account></GetCallerIdentityResult>"
                           "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
                           ) % (NS, who, acct)
        with self.server.lock, open(a.log, "a") as f:
            f.write(json.dumps({"action": action, "status": status, "signer": signer,
                                "params": {k: v for k, v in form.items()}}) + "\n")
        testhttp.reply(self, status, out.encode(), "text/xml")


def main():
    ap = argparse.ArgumentParser()
    for k in ("--listen", "--key", "--log"):
        ap.add_argument(k, required=True)
    ap.add_argument("--role-arn", action="append", required=True,
                    help="a role AssumeRole may assume (repeatable: each gets its own session credentials)")
    ap.add_argument("--external-id")
    ap.add_argument("--sso-token", default="sso-access-token")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", int(a.listen)), H)
    srv.args, srv.lock = a, threading.Lock()
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
