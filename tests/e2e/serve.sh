#!/bin/sh
# saoidc serve against real clients on loopback: curl for the HTTP contract, node
# openid-client for discovery, node jose createRemoteJWKSet for token verification; reloads
# (SIGHUP, file change, Secret-volume ..data swap, a bad key), TLS, graceful stop.
. "$SRCDIR/tests/lib.sh"
P=$(free_port)
U="http://127.0.0.1:$P"
ISS="$U/cluster-1"
K="$T_TMP/keys"
mkdir -p "$K"
cp "$KEYS/demo-rsa.pub" "$K/sa.pub"
start_serve "$P" --issuer "$ISS" --key "$K/sa.pub" --listen "127.0.0.1:$P" --watch-interval 100 --cache-max-age 60 --cors

# hdr NAME CURL-ARGS...: the value of one response header
hdr() { n=$1; shift; curl -s -D - -o /dev/null "$@" | tr -d '\r' | grep -i "^$n:" | head -1 | cut -d' ' -f2-; }

is "$(hdr content-type "$U/keys.json")" "application/jwk-set+json" "JWKS Content-Type is application/jwk-set+json"
is "$(hdr content-type "$U/openid/v1/jwks")" "application/jwk-set+json" "JWKS is also at /openid/v1/jwks"
is "$(hdr content-type "$U/.well-known/openid-configuration")" "application/json" "discovery Content-Type is application/json"
is "$(hdr cache-control "$U/keys.json")" "public, max-age=60" "Cache-Control follows --cache-max-age"
is "$(hdr access-control-allow-origin "$U/keys.json")" "*" "--cors adds Access-Control-Allow-Origin"
is "$(curl -s "$U/keys.json")" "$("$SAOIDC" jwks --key "$K/sa.pub")" "the JWKS body is saoidc jwks's"
is "$(curl -s "$U/.well-known/openid-configuration")" "$("$SAOIDC" discovery --issuer "$ISS" --key "$K/sa.pub" 2>/dev/null)" "the discovery body is saoidc discovery's"
ETAG=$(hdr etag "$U/keys.json")
contains "$ETAG" '"' "an ETag is sent, quoted (strong)"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$U/keys.json")" 304 "If-None-Match with the ETag gives 304"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"x\", W/$ETAG" "$U/keys.json")" 304 "a weak match in a list gives 304"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$U/keys.json")" 200 "another ETag gives 200"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$U/.well-known/openid-configuration")" 200 "the JWKS ETag does not match the discovery document"
run curl -s -I "$U/keys.json"
contains "$OUT" "Content-Length: $(curl -s "$U/keys.json" | wc -c | tr -d ' ')" "HEAD gives the length"
is "$(curl -s -I "$U/keys.json" -o /dev/null -w '%{size_download}')" 0 "HEAD sends no body"
for m in POST PUT DELETE PATCH OPTIONS; do
	is "$(curl -s -o /dev/null -w '%{http_code}' -X $m "$U/keys.json")" 405 "$m gives 405"
done
is "$(hdr allow -X POST "$U/keys.json")" "GET, HEAD" "405 names the allowed methods"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/nope")" 404 "an unknown path gives 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/.well-known/../keys.json")" 200 "dot segments are resolved by the client, not served raw"
is "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$U/.well-known/../../etc/passwd")" 404 "a raw .. path gives 404"
is "$(curl -s "$ISS/.well-known/openid-configuration")" "$(curl -s "$U/.well-known/openid-configuration")" "the discovery document is served under the issuer's path, where STS looks"
is "$(curl -s "$ISS/keys.json")" "$(curl -s "$U/keys.json")" "and so is the JWKS (jwks_uri is under the issuer)"
contains "$(curl -s "$ISS/.well-known/openid-configuration")" "\"jwks_uri\":\"$ISS/keys.json\"" "jwks_uri points there"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/other/keys.json")" 404 "another prefix is 404"
is "$(curl -s "$U/healthz")" ok "/healthz"
is "$(curl -s "$U/readyz")" ready "/readyz once documents are loaded"
for p in /metrics /healthz /readyz; do
	is "$(curl -s -o /dev/null -w '%{http_code}' "$ISS$p")" 404 "$p is served at the root only, not under the issuer's path (an Ingress for the issuer does not publish it)"
done
M=$(curl -s "$U/metrics")
contains "$M" 'saoidc_http_requests_total{route="jwks",code="304"} 2' "metrics count requests by route and code"
contains "$M" 'saoidc_keys_served 1' "metrics show the keys served"

# Real OIDC clients.
HERE="$SRCDIR/tests/interop"
if [ -d "$HERE/node_modules/openid-client" ]; then
	cp "$KEYS/demo-rsa.key" "$T_TMP/signing.key"
	run sh -c "cd '$HERE' && node serve-client.mjs '$ISS' '$T_TMP/signing.key'"
	contains "$OUT" "discovered $ISS" "node openid-client discovers the issuer"
	contains "$OUT" "verified system:serviceaccount:default:demo" "node jose createRemoteJWKSet verifies a token against the served JWKS"
fi
cp "$KEYS/demo-rsa.key" "$T_TMP/signing.key"
run sh -c "cd '$HERE' && /usr/bin/python3 serve_client.py '$ISS' '$T_TMP/signing.key'"
contains "$OUT" "discovered $ISS 5 members" "python reads kube-apiserver's five-member discovery document"
contains "$OUT" "verified system:serviceaccount:default" "and python3-jwcrypto verifies a python3-jwt token against the served JWKS"
# The same round trip with EKS's discovery document.
EP=$(free_port)
"$SAOIDC" serve --issuer "http://127.0.0.1:$EP/eks" --discovery-style eks --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$EP" 2>"$T_TMP/eks.log" &
EKSPID=$!
wait_for curl -sf "http://127.0.0.1:$EP/readyz"
run sh -c "cd '$HERE' && /usr/bin/python3 serve_client.py 'http://127.0.0.1:$EP/eks' '$T_TMP/signing.key'"
contains "$OUT" "discovered http://127.0.0.1:$EP/eks 7 members" "--discovery-style eks serves EKS's seven members"
contains "$OUT" "verified system:serviceaccount:default" "and the python round trip verifies through it"
if [ -d "$HERE/node_modules/openid-client" ]; then
	run sh -c "cd '$HERE' && node serve-client.mjs 'http://127.0.0.1:$EP/eks' '$T_TMP/signing.key'"
	contains "$OUT" "verified system:serviceaccount:default:demo" "so does node openid-client + jose"
fi
kill $EKSPID; wait $EKSPID 2>/dev/null

# Reload on file change (atomic replace), then on SIGHUP.
cp "$KEYS/demo-ec256.pub" "$K/new" && mv "$K/new" "$K/sa.pub"
ok "a replaced key file is picked up" wait_for sh -c "curl -s '$U/keys.json' | grep -q '\"kty\":\"EC\"'"
cp "$KEYS/demo-ec384.pub" "$T_TMP/other.pub"
printf '%s' "$(cat "$KEYS/demo-rsa.pub")" >"$K/sa.pub.tmp" && mv "$K/sa.pub.tmp" "$K/sa.pub"
kill -HUP "$SERVE_PID"
ok "SIGHUP reloads" wait_for sh -c "curl -s '$U/keys.json' | grep -q '\"kty\":\"RSA\"'"
NEWTAG=$(hdr etag "$U/keys.json")
is "$NEWTAG" "$ETAG" "the same keys give the same ETag again"

# A bad key: keep serving the previous documents, log why, count it.
before=$(curl -s "$U/keys.json")
printf 'garbage' >"$K/sa.pub"
ok "a failed reload is counted" wait_for sh -c "curl -s '$U/metrics' | grep -q 'saoidc_reloads_total{result=\"failed\"} 1'"
is "$(curl -s "$U/keys.json")" "$before" "a failed reload keeps the previous documents"
# (the counter moves inside the reload, the log line right after it: wait for the line)
ok "the log says why" wait_for grep -qF "reload failed, still serving the previous documents: $K/sa.pub: not a key" "$T_TMP/serve.log"
# A FIFO swapped in for the key file (no writer): the reload fails after 10 s without data instead of hanging in
# open(), the previous documents stay, and SIGTERM still stops the server.
# (made beside it and renamed over it: one change, never a moment without the file, which would
# count a failure of its own and could carry the counter past 2 between two polls)
mkfifo "$K/.sa.pub.fifo" && mv -f "$K/.sa.pub.fifo" "$K/sa.pub"
# (the read gives up after 10 s of silence, once for the fingerprint and once for the reload,
# so the wait must be well over 20 s on a loaded machine, more under a sanitizer)
failed_reloads() { curl -s "$U/metrics" | sed -n 's/^saoidc_reloads_total{result="failed"} //p'; }
two_failed() { [ "$(failed_reloads)" -ge 2 ] 2>/dev/null; }
WAIT_S=90
if wait_for two_failed; then pass "a FIFO as key file fails the reload instead of hanging it"; else
	fail "a FIFO as key file fails the reload instead of hanging it" "failed reloads: $(failed_reloads)" "$(tail -5 "$T_TMP/serve.log")"
fi
WAIT_S=
is "$(curl -s "$U/keys.json")" "$before" "the previous documents are still served"
rm "$K/sa.pub"
cp "$KEYS/demo-rsa.pub" "$K/sa.pub"
stop_serve
is "$SERVE_RC" 0 "SIGTERM stops with exit 0"

# A Secret volume: ..data symlink swap.
V="$T_TMP/vol"
mkdir -p "$V/..v1" "$V/..v2"
cp "$KEYS/demo-rsa.pub" "$V/..v1/sa.pub"
cp "$KEYS/demo-ec521.pub" "$V/..v2/sa.pub"
ln -s ..v1 "$V/..data" && ln -s ..data/sa.pub "$V/sa.pub"
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$ISS" --key "$V" --listen "127.0.0.1:$P" --watch-interval 100
ln -s ..v2 "$V/..data_tmp" && mv -T "$V/..data_tmp" "$V/..data"
ok "the ..data symlink swap of a Secret volume is picked up" wait_for sh -c "curl -s '$U/keys.json' | grep -q 'P-521'"
kill -INT "$SERVE_PID"; wait "$SERVE_PID"
is "$?" 0 "SIGINT stops with exit 0"

# TLS, and an IPv6 listener beside an IPv4 one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T_TMP/tls.key" -out "$T_TMP/tls.crt" -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,IP:::1 2>/dev/null
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer "https://127.0.0.1:$P" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --listen "[::1]:$P" --tls-cert "$T_TMP/tls.crt" --tls-key "$T_TMP/tls.key"
is "$(curl -s --cacert "$T_TMP/tls.crt" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/keys.json")" 200 "HTTPS with --tls-cert/--tls-key"
if curl -s -g --cacert "$T_TMP/tls.crt" -o /dev/null "https://[::1]:$P/healthz" 2>/dev/null; then
	pass "the IPv6 listener answers too"
else
	grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && fail "the IPv6 listener answers too" || pass "the IPv6 listener answers too # SKIP no IPv6 loopback"
fi
ok "the log prints the URLs" wait_for grep -qF "listening on https://127.0.0.1:$P" "$T_TMP/serve.log"
if grep -qF -- "$(sed -n 2p "$T_TMP/tls.key")" "$T_TMP/serve.log" "$T_TMP/serve.out"; then fail "the TLS key never appears in the log"; else pass "the TLS key never appears in the log"; fi
stop_serve
# [::]:PORT takes IPv4 too, as --help says, over HTTP and HTTPS.
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	for scheme in http https; do
		P=$(free_port any)
		set -- --issuer "https://oidc.test" --key "$KEYS/demo-rsa.pub" --listen "[::]:$P"
		[ $scheme = https ] && set -- "$@" --tls-cert "$T_TMP/tls.crt" --tls-key "$T_TMP/tls.key"
		SERVE_SCHEME=$scheme start_serve "$P" "$@"
		is "$(curl -sk -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$P/healthz") $(curl -skg -o /dev/null -w '%{http_code}' "$scheme://[::1]:$P/healthz")" "200 200" "$scheme: --listen [::]:PORT answers on IPv4 and IPv6"
		stop_serve
	done
else
	skip "--listen [::]:PORT answers on IPv4 and IPv6" "no IPv6 loopback"
fi

# Access log: off by default; with --access-log one line per request, client-controlled bytes
# escaped so that a request cannot forge a log line.
is "$(grep -c '"GET ' "$T_TMP/serve.log")" 0 "no access log unless asked for"
P=$(free_port)
start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --access-log
U="http://127.0.0.1:$P"
curl -s -o /dev/null -A 'aws-sdk-java/1.12 "STS"' "$U/keys.json"
ET=$(curl -s -D - -o /dev/null "$U/keys.json" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
curl -s -o /dev/null -H "If-None-Match: $ET" "$U/keys.json"
curl -s -o /dev/null -X DELETE "$U/keys.json"
curl -s -o /dev/null "$U/x%0aFAKE%20saoidc:%20forged%1b%5b31m"
stop_serve
L=$(cat "$T_TMP/serve.log")
contains "$L" 'Z 127.0.0.1 "GET /keys.json" 200 "aws-sdk-java/1.12 \x22STS\x22"' "--access-log: time, client, request, status and User-Agent"
ok "the time is UTC, ISO 8601" grep -Eq '^saoidc: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z 127\.0\.0\.1 "GET /keys.json" 200' "$T_TMP/serve.log"
contains "$L" '"GET /keys.json" 304 ' "a 304 is logged as such"
contains "$L" '"DELETE /keys.json" 405 ' "a refused method is logged"
contains "$L" '"GET /x\x0aFAKE saoidc: forged\x1b[31m" 404 ' "newlines and escapes in the path are written as \xNN"
is "$(grep -c '^FAKE' "$T_TMP/serve.log")" 0 "so a request cannot start a log line of its own"
P=$(free_port)
start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --access-log --log-format json
curl -s -o /dev/null "http://127.0.0.1:$P/x%ff%22%0a"
curl -s -o /dev/null -A 'kube-probe/1.29' "http://127.0.0.1:$P/healthz"
stop_serve
ok "--log-format json: every line is a JSON object, the requests with their fields" /usr/bin/python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
reqs = [l for l in lines if l["msg"] == "request" and l["path"] != "/readyz"]  # start_serve polls /readyz
assert [(r["method"], r["path"], r["status"]) for r in reqs] == [("GET", "/x\\xff\\x22\\x0a", 404), ("GET", "/healthz", 200)], reqs
assert reqs[1]["user_agent"] == "kube-probe/1.29" and reqs[1]["client"] == "127.0.0.1", reqs
' "$T_TMP/serve.log"

# Worker threads: by default as many as the CPUs the process may use (affinity mask, cgroup CPU
# limit), not the machine's count; --threads overrides.
# (libmicrohttpd names its threads MHD-single / MHD-worker; a sanitizer may add threads of its own)
workers_of() { cat /proc/"$1"/task/*/comm | grep -c '^MHD-'; }
if command -v taskset >/dev/null 2>&1 && [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ]; then
	mask=$(taskset -p $$ | awk '{ print $NF }')
	taskset -p 1 $$ >/dev/null
	P=$(free_port)
	start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P"
	is "$(workers_of "$SERVE_PID")" 1 "pinned to one CPU: one worker thread"
	stop_serve
	P=$(free_port)
	start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --threads 3
	is "$(workers_of "$SERVE_PID")" 3 "--threads 3 gives three workers whatever the mask"
	stop_serve
	taskset -p "$mask" $$ >/dev/null
	P=$(free_port)
	start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P"
	is "$(workers_of "$SERVE_PID")" "$(nproc)" "unpinned: one worker per CPU in the mask"
	stop_serve
else
	pass "worker threads follow the affinity mask # SKIP needs taskset and 2 CPUs"
fi

# Bad start-up input: refused before listening.
P=$(free_port)
printf x >"$T_TMP/bad"
refused "serve refuses a bad key file" 1 "$T_TMP/bad: not a key" "$SAOIDC" serve --issuer "$ISS" --key "$T_TMP/bad" --listen "127.0.0.1:$P"
refused "serve refuses a bad listen address: a usage error (2)" 2 "bad port" "$SAOIDC" serve --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:http"
refused "serve refuses a tls cert without key" 2 "go together" "$SAOIDC" serve --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --tls-cert "$T_TMP/tls.crt"
refused "serve refuses a bad number" 2 "--timeout takes a whole number" "$SAOIDC" serve --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --timeout 0
# Worker threads follow what the process may use, and the log says which bound decided.
if command -v taskset >/dev/null 2>&1; then
	P=$(free_port)
	printf '#!/bin/sh\nexec taskset -c 0 "%s" "$@"\n' "$SAOIDC" >"$T_TMP/pinned"
	chmod +x "$T_TMP/pinned"
	real=$SAOIDC
	SAOIDC="$T_TMP/pinned"
	start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P"
	SAOIDC=$real
	ok "pinned to one CPU: one worker thread, and why" wait_for grep -qF "1 worker thread per listener (affinity mask)" "$T_TMP/serve.log"
	stop_serve
else
	skip "pinned to one CPU: one worker thread, and why" "taskset is not installed"
fi
P=$(free_port)
start_serve "$P" --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --threads 3
ok "--threads decides when given" wait_for grep -qF "3 worker threads per listener (--threads)" "$T_TMP/serve.log"
stop_serve
# --listen :PORT and port 0: the log says where it really listens.
"$SAOIDC" serve --issuer http://127.0.0.1 --key "$KEYS/demo-rsa.pub" --listen 127.0.0.1:0 >/dev/null 2>"$T_TMP/zero.log" &
ZP=$!
wait_for grep -q "listening on" "$T_TMP/zero.log"
port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) (--listen 127.0.0.1:0).*|\1|p' "$T_TMP/zero.log")
ok "--listen 127.0.0.1:0 logs the port it got ($port)" test "${port:-0}" -gt 0
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/keys.json")" 200 "and serves there"
kill $ZP; wait $ZP 2>/dev/null
# --status-listen: probes and metrics on their own (loopback) port, not on the issuer's.
P=$(free_port); SP=$(free_port)
"$SAOIDC" serve --issuer "http://127.0.0.1:$P/c" --key "$KEYS/demo-rsa.pub" --listen "127.0.0.1:$P" --status-listen "127.0.0.1:$SP" \
	>/dev/null 2>"$T_TMP/status.log" &
STP=$!
wait_for curl -sf "http://127.0.0.1:$SP/readyz"
is "$(curl -s "http://127.0.0.1:$SP/readyz")" ready "--status-listen: /readyz there"
curl -s -o /dev/null "http://127.0.0.1:$P/c/keys.json"
contains "$(curl -s "http://127.0.0.1:$SP/metrics")" 'saoidc_http_requests_total{route="jwks",code="200"} 1' "and /metrics, counting the issuer's requests"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/metrics") $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/healthz")" "404 404" "the issuer's listener no longer answers /metrics or /healthz"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/c/keys.json")" 200 "while it serves the documents"
kill $STP; wait $STP
is "$?" 0 "and stops cleanly"
done_testing
