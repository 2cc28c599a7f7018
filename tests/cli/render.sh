#!/bin/sh
# saoidc render: the layout, atomic replacement, nothing written on failure, key sources
# (directory, Secret volume with ..data links, stdin), and no private member ever written.
. "$SRCDIR/tests/lib.sh"
ISS=https://oidc.example.com/demo
O="$T_TMP/out"

run "$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-rsa.key" --out "$O"
is "$RC" 0 "render exits 0"
is "$OUT" "" "render prints nothing on stdout"
contains "$ERR" "wrote $O/keys.json" "render says what it wrote"
is "$(cat "$O/keys.json")" "$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")" "keys.json equals saoidc jwks"
is "$(cat "$O/.well-known/openid-configuration")" "$("$SAOIDC" discovery --issuer "$ISS" --key "$KEYS/demo-rsa.pub")" "openid-configuration equals saoidc discovery"
is "$(stat -c %a "$O/keys.json")" 644 "files are world-readable (0644)"

# A failing run must leave the previous documents untouched and no temp file behind.
before=$(cat "$O/keys.json")
printf 'garbage' >"$T_TMP/bad.pem"
refused "render with one bad key fails" 1 "$T_TMP/bad.pem" "$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --key "$T_TMP/bad.pem" --out "$O"
is "$(cat "$O/keys.json")" "$before" "the old keys.json is untouched"
is "$(find "$O" -type f | sort | sed "s|$O/||")" ".saoidc/retention.json
.well-known/openid-configuration
keys.json" "no temp file is left behind (the documents and the retention state only)"
refused "render with a bad issuer fails" 1 "ends with a slash" "$SAOIDC" render --issuer "$ISS/" --key "$KEYS/demo-ec256.pub" --out "$T_TMP/never"
ok "and creates no output directory" test ! -e "$T_TMP/never"
refused "an unwritable --out fails" 1 "cannot create" "$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --out /proc/saoidc-test

# Rotation: two keys, both published; the discovery document lists both algorithms.
run "$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec256.key" --out "$O" --jwks-path /openid/v1/jwks
is "$RC" 0 "render with --jwks-path"
contains "$(cat "$O/openid/v1/jwks")" '"kty":"EC"' "the JWKS lands at the jwks path"
contains "$(cat "$O/.well-known/openid-configuration")" '"jwks_uri":"https://oidc.example.com/demo/openid/v1/jwks"' "jwks_uri follows it"
contains "$(cat "$O/.well-known/openid-configuration")" '["ES256","RS256"]' "both algorithms are listed"

# A directory as --key: a mounted Secret volume has ..data and timestamped links; hidden entries are skipped.
V="$T_TMP/vol"
mkdir -p "$V/..2026_01_01_00_00_00.000000001"
cp "$KEYS/demo-rsa.pub" "$V/..2026_01_01_00_00_00.000000001/sa.pub"
cp "$KEYS/demo-ec384.key" "$V/..2026_01_01_00_00_00.000000001/sa.key"
ln -s ..2026_01_01_00_00_00.000000001 "$V/..data"
ln -s ..data/sa.pub "$V/sa.pub"
ln -s ..data/sa.key "$V/sa.key"
run "$SAOIDC" inspect --key "$V"
is "$RC" 0 "a Secret-volume directory loads"
is "$(printf '%s\n' "$OUT" | grep -c ' ES\| RS')" 2 "both keys of the volume, each once"

# A P-256 key written with explicit curve parameters is the same key as its named-curve form.
openssl pkey -in "$KEYS/demo-ec256.key" -pubout | openssl ec -pubin -param_enc explicit -out "$T_TMP/explicit.pem" 2>/dev/null
run "$SAOIDC" jwks --key "$T_TMP/explicit.pem"
is "$OUT" "$("$SAOIDC" jwks --key "$KEYS/demo-ec256.pub")" "explicit P-256 parameters give the named-curve JWK and kid"

# Legacy tokens without kid.
run "$SAOIDC" jwks --legacy-empty-kid --key "$KEYS/demo-ec256.pub"
contains "$OUT" '"kid":""' "--legacy-empty-kid adds a key with kid \"\""

# Private keys in, no private member out, in any command's output or written file.
"$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-rsa.key" --key "$KEYS/demo-ec521.key" --key "$KEYS/demo-eksa-sa-secret.json" --out "$T_TMP/priv" --legacy-empty-kid 2>"$T_TMP/priv.err"
"$SAOIDC" jwks --key "$KEYS" --pretty >"$T_TMP/priv.jwks" 2>>"$T_TMP/priv.err"
"$SAOIDC" inspect --key "$KEYS" --json >"$T_TMP/priv.inspect" 2>>"$T_TMP/priv.err"
all=$(cat "$T_TMP/priv/keys.json" "$T_TMP/priv.jwks")
for m in d p q dp dq qi; do
	case "$all" in *"\"$m\""*) fail "no \"$m\" member in any JWK" ;; *) pass "no \"$m\" member in any JWK" ;; esac
done
leak=no
for f in "$KEYS"/*.key; do
	body=$(grep -v -- '-----' "$f" | head -c 40)
	if grep -qF -- "$body" "$T_TMP/priv/keys.json" "$T_TMP/priv/.well-known/openid-configuration" "$T_TMP/priv.jwks" "$T_TMP/priv.inspect" "$T_TMP/priv.err"; then leak=yes; fi
done
is "$leak" no "no private key text appears in any output or log"
# Retention: a key that leaves the source stays in the rendered JWKS for --retain; the state is
# kept next to the documents.
KA=$(kid_of "$KEYS/demo-rsa.pub")
KB=$(kid_of "$KEYS/demo-ec256.pub")
rk() { /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(open(sys.argv[1]))['keys']))" "$T_TMP/ret/keys.json"; }
"$SAOIDC" render --issuer https://oidc.example.com/r --key "$KEYS/demo-rsa.pub" --out "$T_TMP/ret" 2>/dev/null
run "$SAOIDC" render --issuer https://oidc.example.com/r --key "$KEYS/demo-ec256.pub" --retain 1h --out "$T_TMP/ret"
is "$(rk)" "$KB $KA" "render --retain keeps the key that left the source"
contains "$ERR" "key $KA (gone from the source since" "and says so"
ok "the state lies next to the documents" test -f "$T_TMP/ret/.saoidc/retention.json"
cp "$T_TMP/ret/keys.json" "$T_TMP/ret-before.json"
printf 'garbage' >"$T_TMP/ret/.saoidc/retention.json"
refused "a corrupt state is refused" 1 "corrupt retention state" "$SAOIDC" render --issuer https://oidc.example.com/r --key "$KEYS/demo-ec256.pub" --out "$T_TMP/ret"
ok "and nothing was written" cmp -s "$T_TMP/ret/keys.json" "$T_TMP/ret-before.json"
rm "$T_TMP/ret/.saoidc/retention.json"
"$SAOIDC" render --issuer https://oidc.example.com/r --key "$KEYS/demo-rsa.pub" --out "$T_TMP/ret" 2>/dev/null
run "$SAOIDC" render --issuer https://oidc.example.com/r --key "$KEYS/demo-ec256.pub" --retain 0 --out "$T_TMP/ret"
is "$(rk)" "$KB" "--retain 0 drops it at once"
contains "$ERR" "--retain 0" "with a warning"

# Crash safety, seen from the system calls: the JWKS is renamed into place before the discovery
# document that names it, and each rename is followed by a sync of its directory.
if command -v strace >/dev/null 2>&1 && [ -z "${SAOIDC_SANITIZED:-}" ]; then
	strace -f -e trace=rename,renameat,renameat2,fsync -o "$T_TMP/st.log" "$SAOIDC" render --issuer https://oidc.example.com/x --key "$KEYS/demo-rsa.pub" --out "$T_TMP/st" 2>/dev/null
	order=$(grep -oE 'rename[a-z0-9]*\(.*"[^"]*(keys\.json|openid-configuration)"' "$T_TMP/st.log" | grep -oE '(keys\.json|openid-configuration)"$' | tr -d '"' | tr '\n' ' ')
	is "$order" "keys.json openid-configuration " "render renames the JWKS into place first"
	is "$(awk '/rename/ {r++} /fsync/ && r > 0 {f++} END {print (f >= 2) ? "synced" : "not synced"}' "$T_TMP/st.log")" "synced" "and syncs the directory after the renames"
	# A kill at every step: render is killed (strace fault injection, SIGKILL) at each openat,
	# write, fsync, rename and mkdir it makes in turn, while replacing an RSA-signed issuer's
	# documents with EC ones. After every kill the directory must be one a verifier can use: a
	# discovery document that advertises ES256 only beside a JWKS that holds the EC key, both
	# documents parseable; and a re-run must give exactly what an uninterrupted render gives.
	ISS=https://oidc.example.com/k
	mkdir -p "$T_TMP/kill"
	"$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-rsa.pub" --out "$T_TMP/kill/before" 2>/dev/null
	cp -a "$T_TMP/kill/before" "$T_TMP/kill/want"
	"$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --out "$T_TMP/kill/want" 2>/dev/null
	strace -f -o "$T_TMP/kill/full.log" "$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --out "$T_TMP/kill/before.copy" 2>/dev/null
	steps=0 bad=""
	for sc in openat write fsync rename mkdir; do
		n=$(grep -cE "^[0-9]+ +$sc\(" "$T_TMP/kill/full.log")
		i=1
		while [ "$i" -le "$n" ]; do
			rm -rf "$T_TMP/kill/out"
			cp -a "$T_TMP/kill/before" "$T_TMP/kill/out"
			strace -f -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$i" \
				"$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --out "$T_TMP/kill/out" >/dev/null 2>&1
			steps=$((steps + 1))
			if ! /usr/bin/python3 - "$T_TMP/kill/out" <<'PY'
import json, sys
d = sys.argv[1]
disc = json.load(open(d + "/.well-known/openid-configuration"))
jwks = json.load(open(d + "/keys.json"))
kty = {k["kty"] for k in jwks["keys"]}
algs = set(disc["id_token_signing_alg_values_supported"])
sys.exit(0 if ("ES256" not in algs or "EC" in kty) and ("RS256" not in algs or "RSA" in kty) else 1)
PY
			then
				bad="$bad $sc#$i(inconsistent)"
			fi
			"$SAOIDC" render --issuer "$ISS" --key "$KEYS/demo-ec256.pub" --out "$T_TMP/kill/out" >/dev/null 2>&1
			for f in keys.json .well-known/openid-configuration; do
				cmp -s "$T_TMP/kill/out/$f" "$T_TMP/kill/want/$f" || bad="$bad $sc#$i(re-run:$f)"
			done
			i=$((i + 1))
		done
	done
	is "${bad:-none}" "none" "killed at each of its $steps system calls, render leaves consistent documents and a re-run completes"
	ok "and that was more than a handful of kill points ($steps)" test "$steps" -ge 15
else
	pass "render's rename order # SKIP strace is not installed (or a sanitized build)"
	pass "directory sync # SKIP strace is not installed (or a sanitized build)"
	pass "kill at every step # SKIP strace is not installed (or a sanitized build)"
	pass "kill points # SKIP strace is not installed (or a sanitized build)"
fi
done_testing
