#!/bin/sh
# A renewed serving certificate is picked up without a restart, for `serve --tls-cert` and for
# the webhook: the files are swapped the way a Secret volume swaps them (a new ..data directory,
# one rename of the symlink) while clients open new TLS connections in a loop; new connections
# get the new certificate, and no request fails. A key that does not match its certificate is
# named as such, at start and at a reload (which keeps the old certificate).
. "$SRCDIR/tests/lib.sh"
make_chain "$T_TMP/a" localhost
make_chain "$T_TMP/b" localhost
cat "$T_TMP/a/root.pem" "$T_TMP/b/root.pem" >"$T_TMP/roots.pem"
# A Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..2026_a
V="$T_TMP/vol"
mkdir -p "$V/..2026_a" "$V/..2026_b"
cp "$T_TMP/a/chain.pem" "$V/..2026_a/tls.crt"; cp "$T_TMP/a/leaf.key" "$V/..2026_a/tls.key"
cp "$T_TMP/b/chain.pem" "$V/..2026_b/tls.crt"; cp "$T_TMP/b/leaf.key" "$V/..2026_b/tls.key"
ln -s ..2026_a "$V/..data"
ln -s ..data/tls.crt "$V/tls.crt"
ln -s ..data/tls.key "$V/tls.key"
swap_to() { ln -sfn "$1" "$V/..data.tmp" && mv -T "$V/..data.tmp" "$V/..data"; }
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr 'A-F' 'a-f'; }
FA=$(fp "$T_TMP/a/leaf.pem") FB=$(fp "$T_TMP/b/leaf.pem")
cat >"$T_TMP/load.py" <<'PY'
import hashlib, socket, ssl, sys, threading, time
port, ca, secs, path = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
seen, fails, n, lock = {}, [], [0], threading.Lock()
def worker():
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    f = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
                    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % path).encode())
                    data = b""
                    while True:
                        more = s.recv(65536)
                        if not more:
                            break
                        data += more
                    ok = data.startswith(b"HTTP/1.1 200")
            with lock:
                n[0] += 1
                if ok:
                    seen[f] = time.monotonic()
                else:
                    fails.append(data[:60])
                if n[0] == 20:  # the test swaps the certificate once this many went through
                    open(sys.argv[5], "w").write("started\n")
        except Exception as e:
            with lock:
                fails.append(repr(e))
ts = [threading.Thread(target=worker) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
last = max(seen, key=seen.get) if seen else "-"
print(n[0], len(fails), last, " ".join(sorted(seen)), "|", fails[:3], flush=True)
PY
check_reload() { # NAME PORT PATH LOGFILE
	rm -f "$T_TMP/load.started"
	/usr/bin/python3 "$T_TMP/load.py" "$2" "$T_TMP/roots.pem" 6 "$3" "$T_TMP/load.started" >"$T_TMP/load.out" 2>&1 &
	LOAD=$!
	wait_for test -s "$T_TMP/load.started"
	swap_to ..2026_b
	wait $LOAD
	set -- "$1" "$2" "$3" "$4" $(cat "$T_TMP/load.out")
	ok "$1: $5 requests under load while the certificate was swapped, $6 failed" test "$5" -gt 50 -a "$6" = 0
	is "$7" "$FB" "$1: new connections get the new certificate"
	contains "$8 $9" "$FA" "$1: and got the old one before the swap"
	ok "$1: the reload is logged" grep -q "serving the new certificate" "$4"
}

P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "https://localhost:$P" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" \
	--tls-cert "$V/tls.crt" --tls-key "$V/tls.key" --watch-interval 200
check_reload serve "$P" /keys.json "$T_TMP/serve.log"
# A renewal that went wrong (a key of another certificate): refused by name, old one kept.
mkdir -p "$V/..2026_c"
cp "$T_TMP/a/chain.pem" "$V/..2026_c/tls.crt"; cp "$T_TMP/b/leaf.key" "$V/..2026_c/tls.key"
swap_to ..2026_c
ok "serve: a mismatched key at a reload is named" wait_for grep -q "TLS certificate reload failed, still serving the previous certificate: .*the TLS key does not match the certificate" "$T_TMP/serve.log"
is "$(curl -s --cacert "$T_TMP/roots.pem" --resolve "localhost:$P:127.0.0.1" -o /dev/null -w '%{http_code}' "https://localhost:$P/keys.json")" 200 "serve: and the previous certificate keeps serving"
stop_serve
is "$SERVE_RC" 0 "serve: stops cleanly after certificate swaps"
refused "serve: a key that does not match its certificate is named at start" 1 "the TLS key does not match the certificate" \
	"$SAOIDC" serve --issuer https://x --key "$KEYS/demo-rsa.pub" --tls-cert "$T_TMP/a/chain.pem" --tls-key "$T_TMP/b/leaf.key" --listen "127.0.0.1:$P"

# The webhook, the same way.
swap_to ..2026_a
printf 'tok\n' >"$T_TMP/token"
WP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$WP" --tls-cert "$V/tls.crt" --tls-key "$V/tls.key" --kube-api https://127.0.0.1:1 \
	--kube-token-file "$T_TMP/token" --kube-ca "$T_TMP/a/root.pem" 2>"$T_TMP/wh.log" &
WPID=$!
trap 'kill $WPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for curl -sf --cacert "$T_TMP/roots.pem" --resolve "localhost:$WP:127.0.0.1" "https://localhost:$WP/healthz"
check_reload webhook "$WP" /healthz "$T_TMP/wh.log"
kill $WPID; wait $WPID
refused "webhook: a key that does not match its certificate is named at start, with both files" 1 \
	"--tls-cert $T_TMP/a/chain.pem, --tls-key $T_TMP/b/leaf.key: the TLS key does not match the certificate" \
	"$SAOIDC" webhook --tls-cert "$T_TMP/a/chain.pem" --tls-key "$T_TMP/b/leaf.key" --listen "127.0.0.1:$(free_port)" \
	--kube-api https://127.0.0.1:1 --kube-token-file "$T_TMP/token"
is "$?" 0 "webhook: stops cleanly after a certificate swap"
done_testing
