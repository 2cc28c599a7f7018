#!/usr/bin/python3
"""Try saoidc without an AWS account: the project's loopback stand-ins, started together.

  S3          s3rver behind sigv4_proxy.py (every signature checked with botocore's signer)
  IAM         iam_emulator.py (OpenID Connect providers, roles)
  STS         sts_standin.py (GetCallerIdentity, AssumeRole)
  CloudFront  cloudfront_standin.py (publish --private)
  HTTPS       this process: the bucket's public URL, https://BUCKET.s3.REGION.amazonaws.com,
              served over TLS from a local CA (what STS would fetch), for register and verify

It prints the environment to export and a three-command walkthrough (publish, register,
verify) that runs offline, then waits. Ctrl-C (SIGINT) or SIGTERM stops every stand-in and
removes the sandbox directory. Nothing here ever reaches a real AWS endpoint: every
AWS_ENDPOINT_URL_* points at loopback and the credentials are the sandbox's own.

usage: sandbox.py --saoidc PATH --keys DIR --dir DIR [--bucket NAME] [--region R]
"""
import argparse
import datetime
import http.client
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import testhttp

HERE = os.path.dirname(os.path.abspath(__file__))
# s3rver knows one key pair, S3RVER:S3RVER; every stand-in here takes the same.
AKID, SECRET = "S3RVER", "S3RVER"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_ca(d, host):
    """A root CA and a leaf for host (and 127.0.0.1): d/ca.pem, d/leaf.pem, d/leaf.key."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def cert(subject, issuer, pub, signer, ca, sans=None):
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
             .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=2))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return b.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "saoidc sandbox CA (not for production)")])
    ca = cert(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    leaf = cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]), ca_name, leaf_key.public_key(), ca_key,
                False, [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    with open(os.path.join(d, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(d, "leaf.pem"), "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(d, "leaf.key"), "wb") as f:
        f.write(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


class Front(BaseHTTPRequestHandler):
    """GET https://BUCKET.s3.REGION.amazonaws.com/KEY -> s3rver's /BUCKET/KEY, as S3 answers an
    anonymous read of a public object (only GET and HEAD; anything else is 405)."""

    def log_message(self, *a):
        pass

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        bucket = host.split(".s3.", 1)[0] if ".s3." in host else ""
        if not bucket or "?" in self.path:
            return testhttp.reply(self, 404, "NoSuchBucket\n", "text/plain")
        c = http.client.HTTPConnection("127.0.0.1", self.server.s3_port, timeout=10)
        try:
            c.request(self.command, "/" + bucket + self.path)
            r = c.getresponse()
            body = r.read()
            keep = [(k, v) for k, v in r.getheaders() if k.lower() in ("cache-control", "etag", "last-modified")]
            testhttp.reply(self, r.status, body, r.getheader("Content-Type"), keep)
        finally:
            c.close()

    do_HEAD = do_GET

    def do_POST(self):
        testhttp.reply(self, 405, "read only\n", "text/plain")

    do_PUT = do_DELETE = do_POST


class Sandbox:
    def __init__(self, a):
        self.a, self.procs = a, []
        self.host = "%s.s3.%s.amazonaws.com" % (a.bucket, a.region)

    def spawn(self, name, argv, ready):
        """Starts a stand-in in its own session (Ctrl-C reaches only this process, which then
        stops them in order) and waits until ready() is true or the process died."""
        log = open(os.path.join(self.a.dir, name + ".log"), "wb")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=HERE, start_new_session=True)
        self.procs.append((name, p))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise RuntimeError("%s exited at start (%s): %s" % (name, p.returncode, self.tail(name)))
            if ready():
                return
            time.sleep(0.05)
        raise RuntimeError("%s did not come up in 20 s: %s" % (name, self.tail(name)))

    def tail(self, name):
        with open(os.path.join(self.a.dir, name + ".log"), "rb") as f:
            return f.read()[-400:].decode(errors="replace").strip()

    def listening(self, name):
        return lambda: b"listening" in open(os.path.join(self.a.dir, name + ".log"), "rb").read()

    @staticmethod
    def answers(port):
        def ok():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False
        return ok

    def start(self):
        a, key = self.a, "%s:%s" % (AKID, SECRET)
        py = sys.executable
        s3rver = os.path.join(HERE, "node_modules", ".bin", "s3rver")
        if not os.access(s3rver, os.X_OK):
            raise RuntimeError("s3rver is missing: run 'npm ci' in tests/interop (./dev.sh sandbox does)")
        self.ports = {n: free_port() for n in ("s3rver", "s3", "iam", "sts", "cloudfront", "https")}
        p = self.ports
        os.makedirs(os.path.join(a.dir, "s3data"))
        self.spawn("s3rver", [s3rver, "-d", os.path.join(a.dir, "s3data"), "-a", "127.0.0.1", "-p", str(p["s3rver"]),
                              "--silent", "--allow-mismatched-signatures", "--configure-bucket", a.bucket],
                   self.answers(p["s3rver"]))
        logs = {n: os.path.join(a.dir, n + "-requests.log") for n in ("s3", "iam", "sts", "cloudfront")}
        self.spawn("s3", [py, "sigv4_proxy.py", "--listen", str(p["s3"]), "--upstream",
                          "http://127.0.0.1:%d" % p["s3rver"], "--log", logs["s3"], "--key", key], self.listening("s3"))
        self.spawn("iam", [py, "iam_emulator.py", "--listen", str(p["iam"]), "--key", key, "--log", logs["iam"]],
                   self.listening("iam"))
        self.spawn("sts", [py, "sts_standin.py", "--listen", str(p["sts"]), "--key", key, "--log", logs["sts"],
                           "--role-arn", "arn:aws:iam::000000000000:role/sandbox"], self.listening("sts"))
        self.spawn("cloudfront", [py, "cloudfront_standin.py", "--listen", str(p["cloudfront"]), "--key", key,
                                  "--log", logs["cloudfront"]], self.listening("cloudfront"))
        make_ca(a.dir, self.host)
        srv = ThreadingHTTPServer(("127.0.0.1", p["https"]), Front)
        srv.s3_port, srv.daemon_threads = p["s3rver"], True
        testhttp.serve_tls(srv, os.path.join(a.dir, "leaf.pem"), os.path.join(a.dir, "leaf.key"))
        self.front = srv
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    def stop(self):
        if getattr(self, "front", None):
            self.front.shutdown()
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def banner(self):
        a, p = self.a, self.ports
        iss = "https://%s/demo" % self.host
        conn = "--connect-to 127.0.0.1:%d --ca-file %s" % (p["https"], os.path.join(a.dir, "ca.pem"))
        s = a.saoidc
        env = [
            ("AWS_ACCESS_KEY_ID", AKID), ("AWS_SECRET_ACCESS_KEY", SECRET), ("AWS_REGION", a.region),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:%d" % p["s3"]),
            ("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:%d" % p["iam"]),
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:%d" % p["sts"]),
            ("AWS_ENDPOINT_URL_CLOUDFRONT", "http://127.0.0.1:%d" % p["cloudfront"]),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        out = ["saoidc sandbox: S3, IAM, STS and CloudFront stand-ins on 127.0.0.1 (nothing leaves this machine).",
               "In another shell, paste these lines (they unset AWS_PROFILE so no real account is used):", "",
               "  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE"]
        out += ["  export %s=%s" % kv for kv in env]
        out += ["", "Then publish the demo issuer to the bucket, register it with IAM, and verify the chain as STS",
                "would (the demo keys in keys/ are NOT for production):", "",
                "  %s publish --key %s/demo-rsa.pub s3://%s/demo" % (s, a.keys, a.bucket),
                "  %s register --issuer %s %s" % (s, iss, conn),
                "  %s verify --issuer %s --key %s/demo-rsa.pub --aws %s" % (s, iss, a.keys, conn), "",
                "The bucket's public URL (%s) is served over TLS on 127.0.0.1:%d by a local CA:" % (self.host, p["https"]),
                "  curl --cacert %s --connect-to %s:443:127.0.0.1:%d %s/.well-known/openid-configuration"
                % (os.path.join(a.dir, "ca.pem"), self.host, p["https"], iss),
                "Each stand-in's requests are logged in %s/*-requests.log." % a.dir,
                "Stop with Ctrl-C: every stand-in stops and %s is removed." % a.dir, "", "sandbox ready"]
        print("\n".join(out), flush=True)


def main():
    ap = argparse.ArgumentParser(description="saoidc's offline AWS sandbox")
    ap.add_argument("--saoidc", required=True, help="the saoidc binary the walkthrough names")
    ap.add_argument("--keys", required=True, help="the directory with the demo keys")
    ap.add_argument("--dir", required=True, help="a directory for the sandbox's state (must not exist)")
    ap.add_argument("--bucket", default="saoidc-sandbox")
    ap.add_argument("--region", default="us-east-1")
    a = ap.parse_args()
    if os.path.exists(a.dir):
        sys.exit("sandbox.py: %s exists; give a new directory (the sandbox removes it when it stops)" % a.dir)
    os.makedirs(a.dir)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sb, rc = Sandbox(a), 0
    try:
        sb.start()
        sb.banner()
        while not stop.wait(0.5):
            for name, p in sb.procs:
                if p.poll() is not None:
                    raise RuntimeError("%s stopped (%s): %s" % (name, p.returncode, sb.tail(name)))
    except RuntimeError as e:
        print("sandbox.py: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        sb.stop()
        shutil.rmtree(a.dir, ignore_errors=True)
        print("sandbox stopped", file=sys.stderr, flush=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
