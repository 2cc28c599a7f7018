#!/bin/sh
# Benchmark (not part of make check): saoidc serve --tls-cert against nginx with ssl, the same
# certificate and key, byte-identical files, interleaved in the same run. ROUNDS rounds
# (default 3) of:
#   keep-alive   wrk -t2 -c$CONNS on one HTTPS connection per wrk connection;
#   close        wrk with "Connection: close": a TLS handshake per request. wrk resumes the
#                session it got on its previous connection (session tickets), as most HTTP
#                clients do, so these are resumed handshakes (TLS 1.3: PSK with ECDHE);
#   full         openssl s_time -new: one client, a full handshake (no resumption) per request,
#                one after the other (latency-bound, so a ratio of handshake latencies).
# Prints each figure, then saoidc/nginx ratios of the means, the servers' CPU time per request
# in the close rounds (from /proc: the cost of a handshake, whatever share of the two cores
# each server got), and saoidc's peak RSS.
#
# The nginx peer speaks TLS 1.2 and 1.3 (ssl_protocols TLSv1.2 TLSv1.3, nginx's default since
# 1.23.4), as saoidc does. NGINX_PROTOCOLS=default keeps Debian 12 nginx 1.22's own default,
# TLS 1.0-1.2 only: its "close" figure is then TLS 1.2 ticket resumption, an abbreviated
# handshake with no key exchange at all, which a TLS 1.3 server cannot match (and should not:
# TLS 1.3 resumption keeps forward secrecy through its ECDHE). CERT=rsa uses an RSA-2048
# certificate instead of P-256.
# usage: tests/bench/https-vs-nginx.sh [BUILD_DIR]  (env: ROUNDS, DURATION, CONNS, WORKERS,
#        CERT=ec|rsa, NGINX_PROTOCOLS=modern|default)
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$TOP/build}
. "$TOP/tests/bench/lib.sh"
SAOIDC=$BUILD/src/saoidc
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
WORKERS=${WORKERS:-$(nproc)}
CERT=${CERT:-ec}
NGINX_PROTOCOLS=${NGINX_PROTOCOLS:-modern}
for t in wrk nginx openssl curl; do command -v $t >/dev/null || { echo "needs $t (apt-get install wrk nginx-light openssl curl)" >&2; exit 1; }; done
[ -x "$SAOIDC" ] || { echo "build saoidc first ($SAOIDC)" >&2; exit 1; }
W=$(mktemp -d /tmp/saoidc-https-bench.XXXXXX)
chmod 755 "$W" # nginx workers run as another user
cleanup() { [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null; sleep 0.3; rm -rf "$W"; }
trap cleanup EXIT INT TERM
SP=$(port); NP=$(port)
ISS=https://oidc.example.com/bench

if [ "$CERT" = rsa ]; then KEYALG="-newkey rsa:2048"; else KEYALG="-newkey ec -pkeyopt ec_paramgen_curve:P-256"; fi
# shellcheck disable=SC2086
openssl req -x509 $KEYALG -nodes -keyout "$W/tls.key" -out "$W/tls.crt" -subj /CN=localhost -days 2 \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
chmod 644 "$W/tls.key" # a throw-away key; nginx's workers read it as another user
"$SAOIDC" render --issuer "$ISS" --key "$TOP/keys/demo-rsa.pub" --key "$TOP/keys/demo-ec256.pub" --out "$W/site" 2>/dev/null

PROTOS="ssl_protocols TLSv1.2 TLSv1.3;"
[ "$NGINX_PROTOCOLS" = default ] && PROTOS=""
nginx_conf "$W" "$WORKERS" "127.0.0.1:$NP ssl" "$PROTOS ssl_certificate $W/tls.crt; ssl_certificate_key $W/tls.key;"
nginx -c "$W/nginx.conf" -p "$W"
# In its own session, as nginx (which daemonizes with setsid) and as under systemd or in a pod:
# with the kernel's autogroup scheduling, a server in wrk's session would share wrk's CPU share.
setsid "$SAOIDC" serve --threads "$WORKERS" --issuer "$ISS" --key "$TOP/keys/demo-rsa.pub" --key "$TOP/keys/demo-ec256.pub" \
	--listen "127.0.0.1:$SP" --tls-cert "$W/tls.crt" --tls-key "$W/tls.key" 2>"$W/serve.log" &
SPID=$!
i=0; while [ $i -lt 50 ] && ! curl -skf -o /dev/null "https://127.0.0.1:$SP/healthz"; do sleep 0.1; i=$((i + 1)); done
for p in $SP $NP; do
	curl -sk "https://127.0.0.1:$p/keys.json" | cmp -s - "$W/site/keys.json" || { echo "port $p does not serve the same bytes" >&2; exit 1; }
done
echo 'wrk.headers["Connection"] = "close"' >"$W/close.lua"
for p in $SP $NP; do
	printf 'port %s: ' "$p"
	echo | openssl s_client -connect "127.0.0.1:$p" 2>/dev/null | awk '/^New,/ { printf "%s %s\n", $2, $5 }'
done | sed "s/port $SP/saoidc/; s/port $NP/nginx/"

# CPU ticks used so far by saoidc, and by nginx's workers
ticks() { t=0; for p in "$@"; do set -- $(cut -d' ' -f14,15 "/proc/$p/stat"); t=$((t + $1 + $2)); done; echo "$t"; }
NPIDS=$(pgrep -P "$(cat "$W/nginx.pid")" | tr '\n' ' ')
# requests/s from wrk; fails on errors or non-2xx answers
wrk_rps() {
	wrk -t2 -c"$CONNS" -d"$DURATION" "$@" >"$W/wrk.out"
	if grep -q 'Non-2xx\|Socket errors' "$W/wrk.out"; then cat "$W/wrk.out" >&2; exit 1; fi
	awk '/^Requests\/sec:/ { print $2 }' "$W/wrk.out"
}
# full handshakes/s, one client, no resumption
full_rate() {
	openssl s_time -connect "127.0.0.1:$1" -new -time "${DURATION%s}" -www /keys.json 2>/dev/null |
		awk '/connections in .* real seconds/ { print $1 / $4 }'
}
printf '%-6s %10s %10s %9s %9s %8s %8s\n' round s_keepal n_keepal s_close n_close s_full n_full
: >"$W/rounds"
: >"$W/cpu"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	sk=$(wrk_rps "https://127.0.0.1:$SP/keys.json"); nk=$(wrk_rps "https://127.0.0.1:$NP/keys.json")
	t0=$(ticks "$SPID"); sc=$(wrk_rps -s "$W/close.lua" "https://127.0.0.1:$SP/keys.json"); t1=$(ticks "$SPID")
	u0=$(ticks $NPIDS); nc=$(wrk_rps -s "$W/close.lua" "https://127.0.0.1:$NP/keys.json"); u1=$(ticks $NPIDS)
	echo "$((t1 - t0)) $sc $((u1 - u0)) $nc" >>"$W/cpu"
	sf=$(full_rate "$SP"); nf=$(full_rate "$NP")
	echo "$sk $nk $sc $nc $sf $nf" >>"$W/rounds"
	printf '%-6s %10.0f %10.0f %9.0f %9.0f %8.0f %8.0f\n' "$r" "$sk" "$nk" "$sc" "$nc" "$sf" "$nf"
	r=$((r + 1))
done
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status")
nrss=$(for p in $(cat "$W/nginx.pid") $NPIDS; do awk '/^VmHWM:/ { print $2 }' "/proc/$p/status"; done | awk '{ s += $1 } END { print s }')
secs=${DURATION%s}
awk -v hz="$(getconf CLK_TCK)" -v d="$secs" '{ st += $1; sr += $2; nt += $3; nr += $4 }
	END { printf "CPU per resumed handshake (close rounds): saoidc %.0f us, nginx %.0f us (saoidc/nginx %.2f; lower is better)\n",
		st / hz / (sr * d) * 1e6, nt / hz / (nr * d) * 1e6, (st / sr) / (nt / nr) }' "$W/cpu" >"$W/cpu.txt"
awk -v rss="$rss" -v nrss="$nrss" -v conns="$CONNS" -v workers="$WORKERS" -v cert="$CERT" -v protos="$NGINX_PROTOCOLS" '
	{ for (i = 1; i <= 6; i++) m[i] += $i; k++ }
	END {
		printf "\n%s certificate, %d workers each, %d connections, nginx protocols: %s\n", cert, workers, conns, protos
		printf "keep-alive  saoidc/nginx: %.2f  (%.0f vs %.0f req/s; goal >= 1.0)\n", m[1] / m[2], m[1] / k, m[2] / k
		printf "close       saoidc/nginx: %.2f  (%.0f vs %.0f handshakes/s, resumed; goal >= 1.0)\n", m[3] / m[4], m[3] / k, m[4] / k
		printf "full        saoidc/nginx: %.2f  (%.0f vs %.0f handshakes/s, one client)\n", m[5] / m[6], m[5] / k, m[6] / k
		printf "saoidc peak RSS: %.1f MB (goal <= 12 MB); nginx, master and workers together: %.1f MB\n", rss / 1024, nrss / 1024
	}' "$W/rounds"
cat "$W/cpu.txt"
