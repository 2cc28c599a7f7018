#!/bin/sh
# serve --tls-cert through the OpenSSL TLS front (src/server/tlsfront.c): what a client sees
# (TLS 1.2 and 1.3, no older version, resumption, keep-alive, pipelining, Connection: close,
# HEAD and 304, ALPN h2 offered, 100 clients at once, byte-identical bodies to plain HTTP), and
# the bounds (a handshake that stalls is cut at --request-timeout, a request trickled after the
# handshake too, --max-per-ip counts handshakes, non-TLS bytes are refused), with the access
# log naming the real client.
. "$SRCDIR/tests/lib.sh"
make_chain "$T_TMP/c" localhost
C="$T_TMP/c"
P=$(free_port)
ISS="https://oidc.test/cluster"
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --request-timeout 2 --timeout 3 --max-per-ip 6 --access-log
U="https://localhost:$P"
CURL="curl -s --cacert $C/root.pem --resolve localhost:$P:127.0.0.1"

# Same bytes as the plain-HTTP server and as render.
"$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --out "$T_TMP/site" 2>/dev/null
ok "the JWKS over HTTPS is render's, byte for byte" sh -c "$CURL $U/cluster/keys.json | cmp - $T_TMP/site/keys.json"
ok "the discovery document too" sh -c "$CURL $U/cluster/.well-known/openid-configuration | cmp - $T_TMP/site/.well-known/openid-configuration"

# Protocol versions: 1.2 and 1.3, nothing older; the chain as given.
for v in tls1_2 tls1_3; do
	out=$(echo | openssl s_client -connect "127.0.0.1:$P" -servername localhost -CAfile "$C/root.pem" -$v 2>&1)
	contains "$out" "Verify return code: 0 (ok)" "$v handshake verifies against the root"
done
out=$(echo | openssl s_client -connect "127.0.0.1:$P" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1)
case "$out" in *"Cipher is (NONE)"* | *alert* | *"no protocols available"* | *"wrong version"* | *"unsupported protocol"*) pass "TLS 1.1 is refused" ;; *) fail "TLS 1.1 is refused" "$(echo "$out" | head -5)" ;; esac
depth=$(echo | openssl s_client -connect "127.0.0.1:$P" -servername localhost -showcerts 2>/dev/null | grep -c 'BEGIN CERTIFICATE')
is "$depth" "$(grep -c 'BEGIN CERTIFICATE' "$C/chain.pem")" "the whole chain from --tls-cert is sent"

# Session resumption (tickets), TLS 1.3 and 1.2.
for v in tls1_3 tls1_2; do
	rm -f "$T_TMP/sess"
	printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		openssl s_client -connect "127.0.0.1:$P" -$v -sess_out "$T_TMP/sess" -quiet -ign_eof >/dev/null 2>&1
	out=$(printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		openssl s_client -connect "127.0.0.1:$P" -$v -sess_in "$T_TMP/sess" -ign_eof 2>&1)
	contains "$out" "Reused, TLSv1." "$v session resumed from its ticket"
done

# Keep-alive: three requests, one connection, one handshake.
out=$($CURL -v "$U/keys.json" "$U/healthz" "$U/.well-known/openid-configuration" 2>&1 >/dev/null)
is "$(echo "$out" | grep -c '^< HTTP/1.1 200')" 3 "three requests on one connection answered"
is "$(echo "$out" | grep -c 'SSL connection using')" 1 "  over one TLS session"
contains "$out" "Re-using existing connection" "  kept alive"
# HEAD and If-None-Match
etag=$($CURL -D - -o /dev/null "$U/keys.json" | awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r')
is "$($CURL -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/keys.json")" 304 "If-None-Match gives 304 over TLS"
is "$($CURL -I -o /dev/null -w '%{http_code} %{size_download}' "$U/keys.json")" "200 0" "HEAD: headers only"
# A client offering h2 by ALPN gets HTTP/1.1.
is "$($CURL --http2 -o /dev/null -w '%{http_version} %{http_code}' "$U/keys.json")" "1.1 200" "ALPN h2 offered: answered in HTTP/1.1"

cat >"$T_TMP/client.py" <<'PY'
import socket, ssl, sys, threading, time
mode, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
def tls(src="127.0.0.1"):
    raw = socket.create_connection(("127.0.0.1", port), source_address=(src, 0), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")
def read_all(s):
    data = b""
    while True:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, ssl.SSLError, socket.timeout):
            break
        if not d:
            break
        data += d
    return data
if mode == "pipeline":
    s = tls()
    req = b"GET /keys.json HTTP/1.1\r\nHost: localhost\r\n\r\n"
    s.sendall(req + req + b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    data = read_all(s)
    print(data.count(b"HTTP/1.1 200 OK"))
elif mode == "many":
    ok, lock = [0], threading.Lock()
    def one():
        # what went wrong goes to stderr, which the test prints when the count is short
        try:
            s = tls()
            s.sendall(b"GET /keys.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            head = read_all(s)[:40]
        except Exception as e:
            print("client:", repr(e), file=sys.stderr)
            return
        if head.startswith(b"HTTP/1.1 200"):
            with lock: ok[0] += 1
        else:
            print("answer:", head, file=sys.stderr)
    # at most --max-per-ip (6) at once from one address
    for rnd in range(20):
        ts = [threading.Thread(target=one) for _ in range(5)]
        [t.start() for t in ts]; [t.join() for t in ts]
    print(ok[0])
elif mode == "stall-handshake":
    # half a ClientHello, then nothing: closed at the handshake deadline
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"\x16\x03\x01\x02\x00\x01")
    t0 = time.monotonic()
    s.recv(100)
    print("%.1f" % (time.monotonic() - t0))
elif mode == "trickle":
    # a finished handshake, then one header byte every 0.5 s: cut at the request deadline
    s = tls()
    t0 = time.monotonic()
    try:
        for b in b"GET /keys.json HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            s.sendall(bytes([b]))
            time.sleep(0.5)
        print("never cut")
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        print("%.1f" % (time.monotonic() - t0))
elif mode == "hold":
    # n connections that each sent a byte and wait: they count against --max-per-ip
    n = int(sys.argv[4])
    held = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"\x16")
        held.append(s)
    time.sleep(0.3)
    def fetch(src):
        try:
            s = tls(src)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            return read_all(s)[:12].decode()
        except Exception as e:
            return "refused"
    print(fetch("127.0.0.1"), "|", fetch("127.0.0.2"))
elif mode == "noread":
    # pipelined requests as fast as they go, never reading an answer: the server stops reading
    # too, and closes the connection once it has been stalled for --timeout
    s = tls()
    s.settimeout(30)
    req = b"GET /keys.json HTTP/1.1\r\nHost: localhost\r\n\r\n" * 100
    t0 = time.monotonic()

    def watch():
        # "stalled" once the bytes queued on our socket stop draining (the server stopped reading):
        # at least 64 KiB queued and not fewer on five looks 0.1 s apart
        import fcntl, struct, termios
        last, same = -1, 0
        while True:
            try:
                q = struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
            except OSError:
                return
            same = same + 1 if q >= 65536 and q >= last else 0
            last = q
            if same >= 5:
                print("stalled", file=sys.stderr, flush=True)
                return
            time.sleep(0.1)
    import threading
    threading.Thread(target=watch, daemon=True).start()
    try:
        while time.monotonic() - t0 < 30:
            s.sendall(req)
        print("never closed")
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        print("%.1f" % (time.monotonic() - t0))
elif mode == "exhaust":
    # n connections that each sent a byte, held for a few seconds: more than the server has
    # descriptors for
    held = []
    for _ in range(int(sys.argv[4])):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(b"\x16")
            held.append(s)
        except OSError:
            pass
    print("held", len(held), file=sys.stderr, flush=True)
    time.sleep(3)  # how long they are held: the test measures within it
    print(len(held))
elif mode == "noise":
    # 300 connections of random bytes, some looking like a TLS handshake record, some sent after
    # a real handshake as if they were records; each closed abruptly or cleanly
    import os, random
    rnd = random.Random(int(sys.argv[4]))
    for i in range(300):
        try:
            if i % 3 == 2:
                s = tls()
                raw = socket.socket(fileno=os.dup(s.fileno()))
                raw.sendall(rnd.randbytes(rnd.randint(1, 3000)))
                raw.close()
                s.close()
                continue
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            head = bytes([0x16, 0x03, rnd.choice([0, 1, 3])]) if i % 2 else b""
            s.sendall(head + rnd.randbytes(rnd.randint(0, 4000)))
            if rnd.random() < 0.5:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        except OSError:
            pass
    print("sent")
elif mode == "slowtail":
    # thousands of pipelined requests, the last with Connection: close, and a client that never
    # reads: libmicrohttpd answers until the pair is full, times out and closes its end; the
    # answers still waiting for the client are the front's to bound
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", port))
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    req = b"GET /keys.json HTTP/1.1\r\nHost: localhost\r\n\r\n"
    def send():
        try:
            s.sendall(req * 5000 + b"GET /keys.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
    threading.Thread(target=send, daemon=True).start()
    time.sleep(float(sys.argv[4]))
    print("held")
elif mode == "garbage":
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /keys.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = read_all(s)
    print("plaintext answer" if b"HTTP/1.1 200" in data else "no plaintext answer")
PY
py() { /usr/bin/python3 "$T_TMP/client.py" "$1" "$P" "$C/root.pem" "${2:-}"; }
is "$(py pipeline)" 3 "three pipelined requests in one TLS write: three answers"
is "$(py garbage)" "no plaintext answer" "plain HTTP to the TLS port gets no answer"
py noise 7 >/dev/null
ok "after 300 connections of random bytes (before, as and after a handshake) the server answers" sh -c "$CURL -f -o /dev/null $U/healthz"
ok "  and the server goes on" sh -c "$CURL -f -o /dev/null $U/healthz"

# Bounds.
t=$(py stall-handshake)
ok "a stalled handshake is cut at --request-timeout (2 s): ${t} s" awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 4.5) }'
t=$(py trickle)
ok "a request trickled after the handshake is cut at --request-timeout: ${t} s" awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 4.5) }'
ticks() { set -- $(cut -d' ' -f14,15 "/proc/$SERVE_PID/stat"); echo $(($1 + $2)); }
py noread >"$T_TMP/noread.out" 2>"$T_TMP/noread.err" &
NR=$!
ok "a client that never reads: its queued bytes stop draining" wait_for grep -q stalled "$T_TMP/noread.err"
# Two measurements of 0.4 s, not waits: work still in flight when the client stalled (a
# sanitized build on a loaded machine finishes answering late) shows in the first; a server
# spinning on the stalled connection shows in both (about 40 ticks each). The client must still
# be connected after them, so that neither is taken after the deadline cut it.
t0=$(ticks); sleep 0.4; t1=$(ticks); sleep 0.4; t2=$(ticks)
held=no; kill -0 $NR 2>/dev/null && held=yes
least=$((t1 - t0)); [ $((t2 - t1)) -lt "$least" ] && least=$((t2 - t1))
ok "a client that never reads its answers costs no CPU while it is stalled ($((t1 - t0)), $((t2 - t1)) ticks per 0.4 s; still held: $held)" \
	test "$least" -lt 12 -a "$held" = yes
wait $NR
t=$(cat "$T_TMP/noread.out")
ok "  and is cut by the request deadline (2 s; --timeout 3 s of stall would be next): ${t} s" awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 8) }'
is "$(py hold 6)" "refused | HTTP/1.1 200" "--max-per-ip 6 counts connections still in their handshake; other clients are served"
ok "  and once they go, the address is served again" sh -c "$CURL -f -o /dev/null $U/healthz"

# What the front saw, in /metrics, and the per-address cap in the log.
M=$($CURL "$U/metrics")
for line in 'saoidc_tls_handshakes_total{result="ok"}' 'saoidc_tls_handshakes_total{result="failed"}' \
	'saoidc_tls_handshakes_total{result="timeout"}' 'saoidc_connections_refused_total{reason="per_ip"}'; do
	n=$(printf '%s\n' "$M" | grep -F "$line " | awk '{ print $2 }')
	ok "/metrics counts $line (${n:-missing})" test "${n:-0}" -ge 1
done
ok "the log names the address at its --max-per-ip cap, and what to do" grep -q 'refusing connections from 127.0.0.1: it has 6 open (--max-per-ip); behind a proxy' "$T_TMP/serve.log"
# The access log names the client, not the socket pair behind the front.
ok "the access log names the client's address" grep -qE ' 127\.0\.0\.1 "GET /(cluster/)?keys\.json" 200 ' "$T_TMP/serve.log"
stop_serve
is "$SERVE_RC" 0 "stops cleanly"

# Real relying parties over HTTPS, as STS reaches an issuer: port 443 (no port in the issuer),
# node (openid-client, jose) and python (urllib, jwcrypto) with their own TLS stacks trusting
# the test's root.
HERE="$SRCDIR/tests/interop"
ISS443="https://localhost/cluster"
if "$SAOIDC" serve --issuer "$ISS443" --key "$KEYS/demo-rsa.pub" --listen 127.0.0.1:443 --tls-cert "$C/chain.pem" \
	--tls-key "$C/leaf.key" >/dev/null 2>"$T_TMP/serve443.log" &
	S443=$! && wait_for curl -sf --cacert "$C/root.pem" -o /dev/null https://localhost/healthz; then
	cp "$KEYS/demo-rsa.key" "$T_TMP/signing.key"
	run env SSL_CERT_FILE="$C/root.pem" /usr/bin/python3 "$HERE/serve_client.py" "$ISS443" "$T_TMP/signing.key"
	contains "$OUT" "verified system:serviceaccount:default" "python discovers the issuer over HTTPS and verifies a token against its JWKS"
	if [ -d "$HERE/node_modules/openid-client" ]; then
		run sh -c "cd '$HERE' && NODE_EXTRA_CA_CERTS='$C/root.pem' node serve-client.mjs '$ISS443' '$T_TMP/signing.key'"
		contains "$OUT" "verified system:serviceaccount:default:demo" "node openid-client and jose do the same"
	else
		skip "node openid-client and jose do the same" "tests/interop/node_modules is missing (npm ci)"
	fi
	kill "$S443"; wait "$S443" 2>/dev/null
else
	kill "$S443" 2>/dev/null
	skip "python discovers the issuer over HTTPS and verifies a token against its JWKS" "port 443 is not ours: $(head -c 200 "$T_TMP/serve443.log")"
	skip "node openid-client and jose do the same" "port 443 is not ours"
fi

# The same client with a long request deadline: the stall bound (--timeout) is what cuts it.
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --request-timeout 60 --timeout 2 --max-per-ip 6
# Many handshakes in turn from one address, each freeing its slot for the next (on this server,
# whose deadline is not the one under test: a loaded machine may take seconds for a handshake).
n=$(py many 2>"$T_TMP/many.err")
if [ "$n" = 100 ]; then pass "100 clients, five at a time, each with its own handshake: all answered"; else
	fail "100 clients, five at a time, each with its own handshake: all answered" "answered: $n" "$(sort "$T_TMP/many.err" | uniq -c | head -5)" "$(tail -5 "$T_TMP/serve.log")"
fi
t=$(py noread)
ok "with --request-timeout 60, a client that never reads is cut after --timeout (2 s): ${t} s" awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 8) }'
# Answers that libmicrohttpd has handed over and closed behind, which the client never takes:
# only the front's stall bound can close that connection.
stalls() { $CURL "https://localhost:$P/metrics" | awk '$1 == "saoidc_connections_stalled_total" { print $2 }'; }
n0=$(stalls)
py slowtail 7 >/dev/null
n1=$(stalls)
ok "answers a client never takes are dropped after --timeout (saoidc_connections_stalled_total ${n0:-missing} -> ${n1:-missing})" test "${n1:-0}" -gt "${n0:-0}"
stop_serve

# TLS 1.2 with an RSA certificate: forward secrecy and AEAD only (no static-RSA key exchange,
# no CBC), whatever the client offers.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_TMP/rsa.key" -out "$T_TMP/rsa.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost 2>/dev/null
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$T_TMP/rsa.pem" --tls-key "$T_TMP/rsa.key"
suite() { openssl s_client -connect "127.0.0.1:$P" -tls1_2 -cipher "$1" </dev/null 2>/dev/null | grep -q "Cipher is $1"; }
ok "TLS 1.2, RSA certificate: ECDHE-RSA-AES128-GCM-SHA256 is taken" suite ECDHE-RSA-AES128-GCM-SHA256
ok "static-RSA key exchange (AES128-GCM-SHA256) is refused" sh -c "! openssl s_client -connect 127.0.0.1:$P -tls1_2 -cipher AES128-GCM-SHA256 </dev/null 2>/dev/null | grep -q 'Cipher is AES128-GCM-SHA256'"
ok "a CBC suite (ECDHE-RSA-AES128-SHA) is refused" sh -c "! openssl s_client -connect 127.0.0.1:$P -tls1_2 -cipher ECDHE-RSA-AES128-SHA </dev/null 2>/dev/null | grep -q 'Cipher is ECDHE-RSA-AES128-SHA'"
is "$(openssl s_client -connect "127.0.0.1:$P" -tls1_2 </dev/null 2>/dev/null | sed -n 's/.*Cipher is \(.*\)/\1/p' | head -n 1)" \
	ECDHE-RSA-AES128-GCM-SHA256 "with OpenSSL's default offer, AES-128-GCM comes first"
stop_serve

# Half-open handshakes (11 bytes of a ClientHello, then nothing) from 10 addresses, more than the
# connection limit: handshakes in progress stay under half of it (the oldest gives way), so a
# real client still gets its answer at once instead of being refused for the handshake deadline.
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --max-connections 64 --request-timeout 30
cat >"$T_TMP/halfopen.py" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(n):
    try:
        s = socket.socket()
        s.bind(("127.0.0.%d" % (2 + i % 10), 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        held.append(s)
    except OSError:
        pass
print("held", len(held), flush=True)
sys.stdin.read()
PY
mkfifo "$T_TMP/hold-ho"
/usr/bin/python3 "$T_TMP/halfopen.py" "$P" 200 <"$T_TMP/hold-ho" >"$T_TMP/ho.out" 2>&1 &
HO=$!
exec 8>"$T_TMP/hold-ho"
wait_for grep -q held "$T_TMP/ho.out"
T=$($CURL -o /dev/null -m 5 -w '%{http_code} %{time_total}' "https://localhost:$P/keys.json")
is "${T%% *}" 200 "200 half-open handshakes against --max-connections 64: a real client gets 200 (took ${T#* } s)"
ev=$($CURL "https://localhost:$P/metrics" | awk '$1 == "saoidc_tls_handshakes_total{result=\"evicted\"}" { print $2 }')
ok "the oldest handshakes gave way (saoidc_tls_handshakes_total{result=\"evicted\"} ${ev:-missing})" test "${ev:-0}" -gt 0
exec 8>&-
wait $HO
stop_serve

# Out of descriptors (a hard limit of 48): accept() fails, the server pauses accepting instead of
# spinning on the listening socket, and serves again once connections go.
P=$(free_port)
prlimit --nofile=48:48 "$SAOIDC" serve --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --request-timeout 30 --max-per-ip 0 2>"$T_TMP/serve.log" &
SERVE_PID=$!
ok "serve starts with 48 descriptors" wait_for sh -c "$CURL -f -o /dev/null https://localhost:$P/healthz"
py exhaust 80 >/dev/null 2>"$T_TMP/exhaust.err" &
EX=$!
ok "80 connections are held against 48 descriptors" wait_for grep -q held "$T_TMP/exhaust.err"
t0=$(ticks); sleep 1; t1=$(ticks) # a measurement over one second, not a wait
ok "out of descriptors, the server does not spin ($((t1 - t0)) ticks in 1 s)" test $((t1 - t0)) -lt 30
wait $EX
ok "  and serves again once the connections go" wait_for sh -c "$CURL -f -o /dev/null https://localhost:$P/healthz"
stop_serve
done_testing
