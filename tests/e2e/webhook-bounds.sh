#!/bin/sh
# saoidc webhook under hostile reviews: its peak memory (VmHWM) stays under the shipped
# Deployment's 64 Mi limit with the worst bodies and many clients at once, and memory is given
# back afterwards. Before the bounds: one 3 MB pod of 1,000,000 empty args took the webhook
# from 16 to 191 MB; 40 clients each holding an unfinished 3 MB body reached 137 MB.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
C="$T_TMP/pki"
make_chain "$C" localhost
D="$T_TMP/api"
mkdir -p "$D"
printf '{"metadata":{"annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/app"}}}\n' \
	>"$D/serviceaccounts_apps_sa-1.json"
printf 'webhook-sa-token\n' >"$T_TMP/token"
start_apiserver "$C" "$D" webhook-sa-token
WP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$WP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" \
	--kube-api "https://127.0.0.1:$AP" --kube-token-file "$T_TMP/token" --kube-ca "$C/root.pem" --region eu-west-1 \
	2>"$T_TMP/wh.log" &
WPID=$!
trap 'kill $APID $WPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$WP/healthz"
LIMIT_KB=$((64 * 1024))
# Under a sanitizer the figures are the sanitizer's (shadow memory), not the webhook's.
mem_ok() { # DESCRIPTION KB LIMIT_KB
	if [ -n "${SAOIDC_SANITIZED:-}" ]; then skip "$1" "sanitized build"; else ok "$1" test "$2" -lt "$3"; fi
}
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$WPID/status"; }
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$WPID/status"; }
cat >"$T_TMP/hostile.py" <<'PY'
import json, socket, ssl, sys, threading, time
port, ca, mode, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)

def review(args, uid, containers=None, annotations=None):
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "apps", "operation": "CREATE",
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": annotations or {}},
                   "spec": {"serviceAccountName": "sa-1", "containers": containers if containers is not None else
                            [{"name": "app", "image": "busybox", "args": args}]}}}},
        separators=(",", ":")).encode()

# The red team's shapes: 32,000 empty containers (a 96 KB review that became a 21 MB answer);
# 10,000 containers with 140,000 skip-containers names (5.5 s of CPU each); and the same names
# with the most containers the webhook patches (512).
skip = ",".join("c%d" % i for i in range(140000))

bodies = {
    "empty-args": review([""] * 1000000, "big"),          # 3 MB, a million values
    "worst-accepted": review(["a" * 40] * 60000, "max"),  # 2.8 MB, just under the value cap
    "small": review(["x"], "small"),
    "many-containers": review(None, "many", [{}] * 32000),
    "skip-bomb": review(None, "skip", [{"name": "c%d" % i, "image": "b"} for i in range(10000)],
                        {"eks.amazonaws.com/skip-containers": skip}),
    "skip-512": review(None, "skip512", [{"name": "x%d" % i, "image": "b"} for i in range(512)],
                       {"eks.amazonaws.com/skip-containers": skip}),
}
results = []
sizes = []

def post(body, stall):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    head = ("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % len(body)).encode()
    s.sendall(head + (body[:-100] if stall else body))
    if stall:
        return s
    data = b""
    while True:
        more = s.recv(65536)
        if not more:
            break
        data += more
        if b"\r\n\r\n" in data:
            h, rest = data.split(b"\r\n\r\n", 1)
            cl = [int(l.split(b":")[1]) for l in h.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if cl and len(rest) >= cl[0]:
                break
    s.close()
    sizes.append(len(data))
    status = data.split(b"\r\n")[0].decode().split(" ")[:2]  # "HTTP/1.1 413": the reason phrase varies
    results.append(" ".join(status) + (" patched" if b'"patch"' in data else ""))

if mode == "stall":
    held = []
    for i in range(n):
        try:
            held.append(post(bodies["worst-accepted"], True))
        except OSError:
            pass
    time.sleep(1)
    print("held", len(held), flush=True)
    post(bodies["small"], False)
    print("small:", results[-1], flush=True)
    sys.stdin.read()  # hold until told
else:
    ts = [threading.Thread(target=post, args=(bodies[mode], False)) for i in range(n)]
    for t in ts: t.start()
    for t in ts: t.join()
    for r in sorted(set(results)):
        print(results.count(r), r)
    if mode in ("many-containers", "skip-bomb", "skip-512"):
        print("bytes", max(sizes) if sizes else 0, flush=True)
PY
base=$(rss)
out=$(/usr/bin/python3 "$T_TMP/hostile.py" "$WP" "$C/root.pem" empty-args 4)
is "$out" "4 HTTP/1.1 413" "4 parallel reviews of 1,000,000 empty args (3.0 MB) are refused (413) before parsing"
contains "$(cat "$T_TMP/wh.log")" "more than 65536 JSON values" "and the log says why"
mem_ok "peak memory $(hwm) kB < 64 MiB" "$(hwm)" "$LIMIT_KB"
out=$(/usr/bin/python3 "$T_TMP/hostile.py" "$WP" "$C/root.pem" worst-accepted 4)
is "$out" "4 HTTP/1.1 200 patched" "4 parallel reviews just under the cap (60,000 args, 2.8 MB) are mutated"
mem_ok "peak memory $(hwm) kB < 64 MiB" "$(hwm)" "$LIMIT_KB"
after=$(rss)
mem_ok "memory is given back: RSS $after kB after, $base kB before (at most 8 MiB more)" "$after" $((base + 8192))

out=$(/usr/bin/python3 "$T_TMP/hostile.py" "$WP" "$C/root.pem" many-containers 4)
is "$(printf '%s\n' "$out" | head -n 1)" "4 HTTP/1.1 200" "4 reviews of a pod with 32,000 empty containers: admitted unchanged (no patch)"
ok "with a small answer ($(printf '%s\n' "$out" | sed -n 's/^bytes //p') bytes; it was 21 MB)" test "$(printf '%s\n' "$out" | sed -n 's/^bytes //p')" -lt 4096
contains "$(cat "$T_TMP/wh.log")" "32000 containers and init containers; at most 512" "and the log says why"
mem_ok "peak memory $(hwm) kB < 64 MiB (146 MB before the bound)" "$(hwm)" "$LIMIT_KB"
t0=$(date +%s%N)
/usr/bin/python3 "$T_TMP/hostile.py" "$WP" "$C/root.pem" skip-bomb 4 >"$T_TMP/bomb.out" &
BOMB=$!
# (four such reviews once blocked both workers for about 11 s: every other review and handshake timed out)
ok "while 4 skip-list bombs are reviewed, a health check is answered within 2 s" curl -sf -m 2 --cacert "$C/root.pem" "https://localhost:$WP/healthz"
wait $BOMB
t1=$(date +%s%N)
out=$(cat "$T_TMP/bomb.out")
is "$(printf '%s\n' "$out" | head -n 1)" "4 HTTP/1.1 200" "4 reviews of 10,000 containers and 140,000 skip-containers names are answered (unchanged)"
echo "# 4 skip bombs answered in $(((t1 - t0) / 1000000)) ms (the red team's took 5.5 s of CPU each)"
out=$(/usr/bin/python3 "$T_TMP/hostile.py" "$WP" "$C/root.pem" skip-512 4)
is "$(printf '%s\n' "$out" | head -n 1)" "4 HTTP/1.1 200 patched" "512 containers none of which is skipped, with 140,000 names in skip-containers: patched"
ok "the health check answers right after" curl -sf -m 2 --cacert "$C/root.pem" "https://localhost:$WP/healthz"

# 60 ServiceAccounts with 200 KB annotations the webhook does not use (+10 MB of cache before):
# the watched copy keeps only the annotations it acts on.
r0=$(rss)
/usr/bin/python3 -c '
import json, sys
for i in range(60):
    sa = {"metadata": {"name": "big%d" % i, "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "x" * 200000,
          "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/big"}}}
    json.dump(sa, open("%s/serviceaccounts_apps_big%d.json" % (sys.argv[1], i), "w"))' "$D"
ok "the 60 ServiceAccounts reach the copy through the watch" wait_for sh -c "curl -s --cacert '$C/root.pem' 'https://localhost:$WP/metrics' | grep -qx 'saoidc_webhook_sa_cache_size 61'"
r1=$(rss)
mem_ok "the copy grew by $((r1 - r0)) kB for 12 MB of annotations (it keeps only what it acts on; < 4 MiB)" "$((r1 - r0))" 4096

# 300 TLS connections from one address, each holding 14 KB of unfinished headers (the red team
# took RSS from 12.6 to 50.7 MB with 1,000, not given back): at most 256 from one address, and
# the memory given back once they are gone.
cat >"$T_TMP/headers.py" <<'PY'
import socket, ssl, sys
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
held = []
for i in range(n):
    try:
        raw = socket.socket()
        raw.bind(("127.0.0.9", 0))
        raw.connect(("127.0.0.1", port))
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall(b"POST /mutate HTTP/1.1\r\nHost: localhost\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (j, b"a" * 200) for j in range(70)))
        held.append(s)
    except (OSError, ssl.SSLError):
        pass
print("held", len(held), flush=True)
sys.stdin.read()
PY
r0=$(rss)
mkfifo "$T_TMP/hold-h"
/usr/bin/python3 "$T_TMP/headers.py" "$WP" "$C/root.pem" 300 <"$T_TMP/hold-h" >"$T_TMP/headers.out" 2>&1 &
HH=$!
exec 7>"$T_TMP/hold-h"
WAIT_S=30 wait_for grep -q held "$T_TMP/headers.out"
held=$(sed -n 's/^held //p' "$T_TMP/headers.out")
ok "300 connections from one address: at most 256 are held ($held)" test "${held:-999}" -le 256
r1=$(rss)
exec 7>&-
wait $HH
wait_for sh -c "[ \$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$WPID/status) -lt $((r0 + 6144)) ]"
r2=$(rss)
mem_ok "and the memory is given back after they close (RSS $r0 -> $r1 -> $r2 kB)" "$r2" $((r0 + 6144))

# 40 clients each hold an unfinished 2.8 MB body: at most 12 MiB of bodies are kept; the rest
# are answered 503 at once; a small review meanwhile still gets its answer.
mkfifo "$T_TMP/hold"
/usr/bin/python3 "$T_TMP/hostile.py" "$WP" "$C/root.pem" stall 40 <"$T_TMP/hold" >"$T_TMP/stall.out" 2>&1 &
HOLD=$!
exec 9>"$T_TMP/hold"
wait_for grep -q "small:" "$T_TMP/stall.out"
contains "$(cat "$T_TMP/stall.out")" "small: HTTP/1.1 200 patched" "while 40 clients hold unfinished bodies, a small review is answered and mutated"
mem_ok "peak memory $(hwm) kB < 64 MiB with 40 unfinished 2.8 MB bodies" "$(hwm)" "$LIMIT_KB"
contains "$(cat "$T_TMP/wh.log")" "bytes of request bodies already held" "the refusals are logged"
exec 9>&-
wait $HOLD
kill $WPID; wait $WPID
is "$?" 0 "the webhook stops cleanly"
done_testing
