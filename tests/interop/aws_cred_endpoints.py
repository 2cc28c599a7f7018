#!/usr/bin/python3
"""Local stand-ins for the AWS credential endpoints saoidc can use, on one loopback port:
  POST /            STS AssumeRoleWithWebIdentity (Query API form, real XML response shape)
  GET  /container   container credentials (ECS / EKS Pod Identity JSON), Authorization checked
  PUT  /latest/api/token, GET /latest/meta-data/iam/security-credentials/[ROLE]
                    EC2 instance metadata, IMDSv2 only: every GET needs the session token
Each hands out ACCESS:SECRET with a session token naming the source, so the caller's next
signed request shows which source it used.

usage: aws_cred_endpoints.py --listen PORT --role-arn ARN --token-file F --container-auth T
                             --creds ACCESS:SECRET --log FILE
"""
import argparse
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import testhttp

IMDS_TOKEN = "imds-session-token-AQAEA"


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype):
        with self.server.lock, open(self.server.args.log, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "status": status}) + "\n")
        testhttp.reply(self, status, body, ctype)

    def creds_json(self, source):
        ak, sk = self.server.args.creds.split(":", 1)
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": ak, "SecretAccessKey": sk,
                           "Token": "session-from-" + source, "Expiration": "2099-01-01T00:00:00Z"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        a = self.server.args
        want_token = open(a.token_file).read().strip()
        get = lambda k: (form.get(k) or [""])[0]
        if get("Action") != "AssumeRoleWithWebIdentity" or get("Version") != "2011-06-15":
            return self.reply(400, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
                              "<Message>bad action</Message></Error></ErrorResponse>", "text/xml")
        if get("RoleArn") != a.role_arn or get("WebIdentityToken") != want_token or not get("RoleSessionName"):
            return self.reply(400, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                              "<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve "
                              "verification key from your identity provider</Message></Error><RequestId>x</RequestId>"
                              "</ErrorResponse>", "text/xml")
        ak, sk = a.creds.split(":", 1)
        body = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                "<AssumeRoleWithWebIdentityResult><Audience>sts.amazonaws.com</Audience>"
                "<AssumedRoleUser><AssumedRoleId>AROA:%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>"
                "<Provider>oidc.example.com</Provider><Credentials><AccessKeyId>%s</AccessKeyId>"
                "<SecretAccessKey>%s</SecretAccessKey><SessionToken>session-from-sts</SessionToken>"
                "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                "<SubjectFromWebIdentityToken>system:serviceaccount:ci:publisher</SubjectFromWebIdentityToken>"
                "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                "</AssumeRoleWithWebIdentityResponse>") % (get("RoleSessionName"), a.role_arn, ak, sk)
        self.reply(200, body, "text/xml")

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(200, IMDS_TOKEN, "text/plain")
        self.reply(400, "", "text/plain")

    def do_GET(self):
        if self.path == "/container":
            if self.headers.get("Authorization") != self.server.args.container_auth:
                return self.reply(403, "{}", "application/json")
            return self.reply(200, self.creds_json("container"), "application/json")
        if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.reply(401, "", "text/plain")  # IMDSv1 is refused, as with HttpTokens=required
            role = self.path.rsplit("/", 1)[1]
            if role == "":
                return self.reply(200, "saoidc-role", "text/plain")
            if role == "saoidc-role":
                return self.reply(200, self.creds_json("imds"), "text/plain")
        self.reply(404, "", "text/plain")


def main():
    ap = argparse.ArgumentParser()
    for k in ("--listen", "--role-arn", "--token-file", "--container-auth", "--creds", "--log"):
        ap.add_argument(k, required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", int(a.listen)), H)
    srv.args, srv.lock = a, threading.Lock()
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
