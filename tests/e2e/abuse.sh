#!/bin/sh
# Abuse of saoidc serve: oversized and numerous headers, bad methods and versions, invalid
# percent-encoding, dot-dot and NUL in paths, garbage, and 10 000 connections. The server must
# stay up, answer each with an error (or close), and serve normal clients.
. "$SRCDIR/tests/lib.sh"
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$U" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --timeout 3
cat >"$T_TMP/raw.py" <<'PY'
import socket, sys
port, data = int(sys.argv[1]), sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(data)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
        if b"\r\n\r\n" in out:
            break
except (socket.timeout, ConnectionResetError):
    pass
line = out.split(b"\r\n", 1)[0].decode("latin-1")
print(line if line else "closed")
PY
raw() { /usr/bin/python3 "$T_TMP/raw.py" "$P" "$1"; }
status_is() { # DESC REQUEST ALLOWED-CODES...
	d=$1 req=$2
	shift 2
	got=$(raw "$req")
	code=$(printf '%s' "$got" | awk '{ print $2 }')
	[ "$got" = closed ] && code=closed
	for c in "$@"; do
		if [ "$code" = "$c" ]; then pass "$d ($got)"; return; fi
	done
	fail "$d" "got: $got" "want one of: $*"
}
status_is "an unknown method gets 405" 'FOO /keys.json HTTP/1.1\r\nHost: x\r\n\r\n' 405
status_is "TRACE gets 405" 'TRACE /keys.json HTTP/1.1\r\nHost: x\r\n\r\n' 405
status_is "an unknown HTTP version is refused" 'GET /keys.json HTTP/9.9\r\nHost: x\r\n\r\n' 505 400 closed
status_is "a request line of garbage is refused" '\x01\x02\x03 \xff\xfe\r\n\r\n' 400 closed
status_is "an invalid percent-encoding is not found" 'GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n' 404 400
status_is "a lone percent is not found" 'GET /keys.json% HTTP/1.1\r\nHost: x\r\n\r\n' 404 400
status_is "an encoded NUL is not found" 'GET /keys.json%00 HTTP/1.1\r\nHost: x\r\n\r\n' 404 400
status_is "a raw dot-dot path is not found" 'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n' 404 400
status_is "an encoded dot-dot path is not found" 'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n' 404 400
status_is "an absolute-form target is handled" 'GET http://x/keys.json HTTP/1.1\r\nHost: x\r\n\r\n' 200 404 400
big=$(head -c 20000 /dev/zero | tr '\0' a)
status_is "a 20 kB header is refused" "GET /keys.json HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n" 431 413 400 closed
many=$(i=0; while [ $i -lt 2000 ]; do printf 'X-H%d: v\\r\\n' $i; i=$((i + 1)); done)
status_is "2000 headers are refused" "GET /keys.json HTTP/1.1\r\nHost: x\r\n${many}\r\n" 431 413 400 closed
status_is "a body on GET is ignored" 'GET /keys.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' 200
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/keys.json")" 200 "the server still answers after all that"

# 10 000 connections at once.
cat >"$T_TMP/flood.py" <<'PY'
import resource, socket, sys, time
port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < n + 100:
    print("skip: RLIMIT_NOFILE hard limit %d" % hard, flush=True)
    sys.exit(0)
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100, hard))
socks, refused = [], 0
for i in range(n):
    try:
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    except OSError:
        refused += 1
print("opened %d" % len(socks), flush=True)
time.sleep(hold)
PY
/usr/bin/python3 "$T_TMP/flood.py" "$P" 10000 12 >"$T_TMP/flood.out" 2>&1 &
FLOOD=$!
wait_for grep -q "opened\|skip" "$T_TMP/flood.out"
if grep -q skip "$T_TMP/flood.out"; then
	pass "10 000 connections # SKIP $(cat "$T_TMP/flood.out")"
else
	contains "$(cat "$T_TMP/flood.out")" "opened 10000" "10 000 connections were opened"
	ok "the server is up during the flood" kill -0 "$SERVE_PID"
	# Idle connections over the cap are closed at once, the others after --timeout (3 s).
	T=$(curl -s -o /dev/null -m 10 --retry 5 --retry-delay 1 --retry-all-errors -w '%{http_code} %{time_total}' "$U/keys.json")
	is "${T%% *}" 200 "a normal client is served during the flood (after ${T#* } s)"
fi
kill "$FLOOD" 2>/dev/null; wait "$FLOOD" 2>/dev/null
T=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$U/keys.json")
is "${T%% *}" 200 "and at once after it"
contains "$(curl -s "$U/metrics")" 'saoidc_http_requests_total{route="jwks",code="200"}' "metrics still answer"
stop_serve
is "$SERVE_RC" 0 "the server stops cleanly"
done_testing
