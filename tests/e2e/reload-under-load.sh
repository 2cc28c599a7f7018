#!/bin/sh
# Key rotation under load: while wrk drives saoidc serve, the keys are rotated 50 times
# (25 atomic file replacements, 25 Secret-volume ..data symlink swaps). Every response must be
# 200 or 304, and every body must be one of the valid JWKS snapshots, never a mix.
. "$SRCDIR/tests/lib.sh"
command -v wrk >/dev/null 2>&1 || skip_all "wrk is not installed"
V="$T_TMP/vol"
mkdir -p "$V/..a" "$V/..b"
cp "$KEYS/demo-rsa.pub" "$V/..a/sa.pub"
cp "$KEYS/demo-ec256.pub" "$V/..b/sa.pub"
ln -s ..a "$V/..data" && ln -s ..data/sa.pub "$V/sa.pub"
A=$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")
B=$("$SAOIDC" jwks --key "$KEYS/demo-ec256.pub")
P=$(free_port)
U="http://127.0.0.1:$P"
start_serve "$P" --issuer "$U" --key "$V" --listen "127.0.0.1:$P" --watch-interval 20

# The wrk script counts bad statuses and bodies that are neither snapshot.
cat >"$T_TMP/check.lua" <<LUA
local a = [[$A]]
local b = [[$B]]
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad_status = 0; bad_body = 0; seen_a = 0; seen_b = 0 end
function response(status, headers, body)
  if status ~= 200 and status ~= 304 then bad_status = bad_status + 1 end
  if status == 200 then
    if body == a then seen_a = seen_a + 1 elseif body == b then seen_b = seen_b + 1 else bad_body = bad_body + 1 end
  end
end
function done(summary, latency, requests)
  local s, bb, na, nb = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("bad_status"); bb = bb + t:get("bad_body"); na = na + t:get("seen_a"); nb = nb + t:get("seen_b")
  end
  io.write(string.format("RESULT requests=%d errors=%d bad_status=%d bad_body=%d seen_a=%d seen_b=%d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    s, bb, na, nb))
end
LUA
wrk -t2 -c32 -d15s -s "$T_TMP/check.lua" "$U/keys.json" >"$T_TMP/wrk.out" 2>&1 &
WRK=$!
# The rotations start once wrk's requests are reaching the server (its own counter says so).
wait_for sh -c "curl -s '$U/metrics' | grep -q '^saoidc_http_requests_total{route=\"jwks\",code=\"200\"} [1-9][0-9][0-9]'"
rotations=0
want=$B
n=0
while [ $n -lt 50 ]; do
	if [ $((n % 2)) -eq 0 ]; then
		# atomic replacement of the file the ..data link points to, as kubectl cp or an operator would
		target=$(readlink "$V/..data")
		if [ "$want" = "$B" ]; then src="$KEYS/demo-ec256.pub"; else src="$KEYS/demo-rsa.pub"; fi
		cp "$src" "$V/$target/sa.pub.new" && mv "$V/$target/sa.pub.new" "$V/$target/sa.pub"
	else
		# the kubelet's Secret update: a new timestamped dir, then an atomic swap of ..data
		d="..r$n"
		mkdir "$V/$d"
		if [ "$want" = "$B" ]; then cp "$KEYS/demo-ec256.pub" "$V/$d/sa.pub"; else cp "$KEYS/demo-rsa.pub" "$V/$d/sa.pub"; fi
		ln -s "$d" "$V/..data_tmp" && mv -T "$V/..data_tmp" "$V/..data"
	fi
	if wait_for sh -c "[ \"\$(curl -s '$U/keys.json')\" = '$want' ]"; then rotations=$((rotations + 1)); fi
	if [ "$want" = "$B" ]; then want=$A; else want=$B; fi
	n=$((n + 1))
done
is "$rotations" 50 "50 rotations each became visible"
wait $WRK
R=$(grep '^RESULT' "$T_TMP/wrk.out")
echo "# $R"
contains "$R" " errors=0 " "no socket or HTTP errors under load"
contains "$R" " bad_status=0 " "every response was 200 or 304"
contains "$R" " bad_body=0 " "every body was one of the two valid snapshots"
case "$R" in *" seen_a=0 "*|*" seen_b=0") fail "both snapshots were served during the run" ;; *) pass "both snapshots were served during the run" ;; esac
ok "wrk made requests" test -n "$(printf %s "$R" | sed -n 's/.*requests=\([1-9][0-9]*\).*/\1/p')"
M=$(curl -s "$U/metrics")
contains "$M" 'saoidc_reloads_total{result="failed"} 0' "no reload failed"
stop_serve
is "$SERVE_RC" 0 "the server stops cleanly after the run"
done_testing
