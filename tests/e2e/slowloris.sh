#!/bin/sh
# Abuse: 500 idle, half-open connections (headers never finished) must not stop a normal client
# from getting 200 within 1 s; a client trickling header bytes (slowloris) is capped per address
# and cut off at the request deadline, with default settings; oversized headers are refused; the
# server stays up.
. "$SRCDIR/tests/lib.sh"
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$U" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --timeout 30 --max-per-ip 0
cat >"$T_TMP/slow.py" <<'PY'
import signal, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.4", 0))
    s.sendall(b"GET /keys.json HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    socks.append(s)
print("open", len(socks), flush=True)
signal.pause()  # held open until the test kills it
PY
/usr/bin/python3 "$T_TMP/slow.py" "$P" 500 >"$T_TMP/slow.out" 2>&1 &
SLOW=$!
wait_for grep -q "open 500" "$T_TMP/slow.out"
is "$(cat "$T_TMP/slow.out")" "open 500" "500 half-open connections are held"
T=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$U/keys.json")
is "${T%% *}" 200 "a normal client still gets 200"
ok "within 1 s (took ${T#* } s)" awk -v t="${T#* }" 'BEGIN { exit !(t < 1.0) }'
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null

# Slowloris, default settings: one address trickling a header byte every second on 600
# connections keeps at most --max-per-ip (128) of them, and a client from another address is
# served at once. (Before: 4,096 slots, no per-address cap, an idle timeout each byte resets.)
stop_serve
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$U" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P"
cat >"$T_TMP/trickle.py" <<'PY'
import select, socket, sys, time
port, n, src, period, run = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
start = time.monotonic()
socks, closed_at = [], {}
for i in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /keys.json HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    s.setblocking(False)
    socks.append(s)
print("open", len(socks), flush=True)
while time.monotonic() - start < run:
    live = [s for s in socks if s not in closed_at]
    r, _, _ = select.select(live, [], [], period)
    for s in r:
        try:
            if s.recv(4096) == b"":
                closed_at[s] = time.monotonic() - start
        except OSError:
            closed_at[s] = time.monotonic() - start
    for s in socks:
        if s not in closed_at:
            try:
                s.send(b"a")
            except OSError:
                closed_at[s] = time.monotonic() - start
    print("alive", len(socks) - len(closed_at), flush=True)
print("first-close %.1f" % (min(closed_at.values()) if closed_at else -1), flush=True)
print("done", flush=True)
PY
/usr/bin/python3 "$T_TMP/trickle.py" "$P" 600 127.0.0.2 1 6 >"$T_TMP/trickle.out" 2>&1 &
TRICKLE=$!
# Two rounds of trickling (each byte sent, each close seen) before the other client asks.
wait_for sh -c "[ \$(grep -c '^alive' '$T_TMP/trickle.out') -ge 2 ]"
T=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$U/keys.json")
is "${T%% *}" 200 "while 600 connections from one address trickle, a client from another gets 200"
ok "within 1 s (took ${T#* } s)" awk -v t="${T#* }" 'BEGIN { exit !(t < 1.0) }'
wait "$TRICKLE"
alive=$(grep '^alive' "$T_TMP/trickle.out" | tail -1 | cut -d' ' -f2)
ok "the trickling address keeps at most 128 connections (kept $alive of 600)" test "$alive" -le 128
ok "and more than none: the cap is per address, not a refusal" test "$alive" -gt 0

# The request deadline: a connection that trickles a byte every 0.5 s (never idle) is cut off
# when its request is not complete within --request-timeout.
stop_serve
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$U" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --request-timeout 2
/usr/bin/python3 "$T_TMP/trickle.py" "$P" 20 127.0.0.3 0.5 8 >"$T_TMP/trickle2.out" 2>&1
is "$(grep '^alive' "$T_TMP/trickle2.out" | tail -1)" "alive 0" "every trickling connection is cut off"
first=$(sed -n 's/^first-close //p' "$T_TMP/trickle2.out")
ok "at the 2 s deadline, not before (first closed at $first s)" awk -v t="$first" 'BEGIN { exit !(t >= 1.9 && t < 4.5) }'
T=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$U/keys.json")
is "$T" 200 "a normal request is well within the deadline"
cat >"$T_TMP/keepalive.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(3):
    s.sendall(b"GET /keys.json HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        more = s.recv(65536)
        if not more:
            sys.exit("closed")
        data += more
    head, body = data.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        body += s.recv(65536)
    print(head.split(b"\r\n")[0].decode(), flush=True)
    time.sleep(1.2)
PY
is "$(/usr/bin/python3 "$T_TMP/keepalive.py" "$P" | sort | uniq -c | sed 's/^ *//')" "3 HTTP/1.1 200 OK" \
	"a kept-alive connection gets a fresh deadline per request (3 requests over 3.6 s, limit 2 s)"

big=$(head -c 20000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$U/keys.json")
ok "an oversized header is refused (HTTP $code)" sh -c "[ '$code' = 431 ] || [ '$code' = 413 ] || [ '$code' = 400 ] || [ '$code' = 000 ]"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/keys.json")" 200 "the server is still up afterwards"
stop_serve
is "$SERVE_RC" 0 "and stops cleanly"
done_testing
