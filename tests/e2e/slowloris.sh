#!/bin/sh
# Abuse: 500 idle, half-open connections (headers never finished) must not stop a normal client
# from getting 200 within 1 s; oversized headers are refused; the server stays up.
. "$SRCDIR/tests/lib.sh"
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$U" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --timeout 30
cat >"$T_TMP/slow.py" <<'PY'
import socket, sys, time
port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /keys.json HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    socks.append(s)
print("open", len(socks), flush=True)
time.sleep(hold)
PY
/usr/bin/python3 "$T_TMP/slow.py" "$P" 500 8 >"$T_TMP/slow.out" 2>&1 &
SLOW=$!
wait_for grep -q "open 500" "$T_TMP/slow.out"
is "$(cat "$T_TMP/slow.out")" "open 500" "500 half-open connections are held"
T=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$U/keys.json")
is "${T%% *}" 200 "a normal client still gets 200"
ok "within 1 s (took ${T#* } s)" awk -v t="${T#* }" 'BEGIN { exit !(t < 1.0) }'
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null

big=$(head -c 20000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$U/keys.json")
ok "an oversized header is refused (HTTP $code)" sh -c "[ '$code' = 431 ] || [ '$code' = 413 ] || [ '$code' = 400 ] || [ '$code' = 000 ]"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/keys.json")" 200 "the server is still up afterwards"
stop_serve
is "$SERVE_RC" 0 "and stops cleanly"
done_testing
