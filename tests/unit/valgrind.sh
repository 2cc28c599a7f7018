#!/bin/sh
# Runs the unit test binaries under valgrind memcheck, and saoidc itself through the AWS retry
# path (every attempt refused; answered 503 SlowDown; cut off in the middle of the answer): any
# leak or memory error fails. (The retry path once leaked each failed attempt's partial answer.)
. "$SRCDIR/tests/lib.sh"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
[ -n "${SAOIDC_SANITIZED:-}" ] && skip_all "valgrind cannot run sanitized binaries"
: "${UNIT_DIR:=$(dirname "$(dirname "$SAOIDC")")/tests/unit}"
for t in util/test_b64 jose/test_keys jose/test_jwk jose/test_discovery jose/test_retain util/test_fsio util/test_log aws/test_ini pod/test_fed_audit; do
	if valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=99 "$UNIT_DIR/$t" >"$T_TMP/${t#*/}.out" 2>"$T_TMP/${t#*/}.vg"; then
		pass "$t: valgrind memcheck clean"
	else
		fail "$t: valgrind memcheck clean" "$(head -c 2000 "$T_TMP/${t#*/}.vg")"
	fi
done

# The binary through the retry path. Leaks inside libcurl's and OpenSSL's process-wide state are
# theirs ("possible" at exit); definite and indirect leaks are ours.
cat >"$T_TMP/slowdown.py" <<'PY'
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
cut = sys.argv[1] == "cut"
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        open(sys.argv[2], "a").write(self.command + "\n")
        body = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
        self.send_response(503)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body) * (10 if cut else 1)))
        self.end_headers()
        self.wfile.write(body)
        if cut:  # half an answer, then the connection drops
            self.wfile.flush()
            self.close_connection = True
    do_GET = do_PUT = do_HEAD = answer
s = HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
/usr/bin/python3 "$T_TMP/slowdown.py" whole "$T_TMP/503.log" >"$T_TMP/slowdown.port" &
SLOW=$!
/usr/bin/python3 "$T_TMP/slowdown.py" cut "$T_TMP/cut.log" >"$T_TMP/cut.port" &
CUT=$!
wait_for test -s "$T_TMP/slowdown.port"
wait_for test -s "$T_TMP/cut.port"
CLOSED=$(free_port)
for case in "refused http://127.0.0.1:$CLOSED" "503 http://127.0.0.1:$(cat "$T_TMP/slowdown.port")" \
	"cut http://127.0.0.1:$(cat "$T_TMP/cut.port")"; do
	name=${case%% *} url=${case#* }
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY AWS_EC2_METADATA_DISABLED=true \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL_S3="$url" \
		valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$SAOIDC" publish --key "$KEYS/demo-rsa.pub" s3://bucket-1 --region us-east-1 \
		>"$T_TMP/pub-$name.out" 2>"$T_TMP/pub-$name.vg"
	rc=$?
	if [ "$rc" -eq 1 ] && ! grep -q "definitely lost\|indirectly lost\|Invalid" "$T_TMP/pub-$name.vg"; then
		pass "publish, every attempt $name: fails (exit 1) and valgrind finds no leak or error"
	else
		fail "publish, every attempt $name: fails (exit 1) and valgrind finds no leak or error" "exit $rc" "$(head -c 2000 "$T_TMP/pub-$name.vg")"
	fi
	if [ "$name" = refused ]; then
		ok "and the error names the refusal" grep -qi "connect" "$T_TMP/pub-$name.vg"
	else
		ok "and it retried: $(grep -c '' "$T_TMP/$name.log") requests for one call" test "$(grep -c '' "$T_TMP/$name.log")" -ge 5
	fi
done
kill $SLOW $CUT
done_testing
