#!/bin/sh
# Interop: saoidc's JWKS checked by independent implementations. Keys made by openssl
# (RSA 2048/3072/4096, P-256/384/521, and 100 more P-256/P-384/P-521 keys so that coordinates
# with leading zero bytes occur); tokens signed by python3-jwt and node jose; verified by node
# jose (createLocalJWKSet) and python3-jwcrypto; kids recomputed by node crypto and
# python3-cryptography.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
[ -d "$HERE/node_modules/jose" ] || skip_all "node modules missing: run 'npm ci' in tests/interop (dev.sh test does)"
/usr/bin/python3 -c 'import jwt, jwcrypto' 2>/dev/null || skip_all "python3-jwt and python3-jwcrypto are not installed"
ISS=https://oidc.example.com/interop
K="$T_TMP/keys"
mkdir -p "$K"
for bits in 2048 3072 4096; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out "$K/rsa$bits.pem" 2>/dev/null
done
i=0
while [ $i -lt 102 ]; do
	for c in P-256 P-384 P-521; do
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$c -out "$K/ec-$c-$i.pem"
	done
	i=$((i + 3))
done
nkeys=$(ls "$K" | wc -l)
run "$SAOIDC" jwks --key "$K"
is "$RC" 0 "saoidc jwks over $nkeys openssl keys"
printf '%s' "$OUT" >"$T_TMP/jwks.json"
is "$(grep -o '"kid"' "$T_TMP/jwks.json" | wc -l)" "$nkeys" "every key is in the JWKS once"

tap_lines() { while read -r verdict msg; do if [ "$verdict" = PASS ]; then pass "$msg"; else fail "$msg"; fi; done; }

/usr/bin/python3 "$HERE/sign.py" "$ISS" "$K"/*.pem >"$T_TMP/py.jsonl" 2>"$T_TMP/py.err"
is "$(wc -l <"$T_TMP/py.jsonl")" "$nkeys" "python3-jwt signed a token with every key $(head -c 300 "$T_TMP/py.err")"
(cd "$HERE" && node verify.mjs "$ISS" "$T_TMP/jwks.json" "$T_TMP/py.jsonl" "$T_TMP/node.jsonl") >"$T_TMP/node.out" 2>&1
tap_lines <"$T_TMP/node.out"
is "$(wc -l <"$T_TMP/node.jsonl")" "$nkeys" "node jose signed a token with every key"
/usr/bin/python3 "$HERE/verify.py" "$ISS" "$T_TMP/jwks.json" "$T_TMP/py.jsonl" "$T_TMP/node.jsonl" >"$T_TMP/jwc.out" 2>&1
tap_lines <"$T_TMP/jwc.out"

# A token whose kid is not in the JWKS must not verify: the peers are really checking.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T_TMP/stranger.pem"
/usr/bin/python3 "$HERE/sign.py" "$ISS" "$T_TMP/stranger.pem" >"$T_TMP/stranger.jsonl"
/usr/bin/python3 "$HERE/verify.py" "$ISS" "$T_TMP/jwks.json" "$T_TMP/stranger.jsonl" | grep -c '^FAIL jwcrypto' >"$T_TMP/neg"
is "$(cat "$T_TMP/neg")" 1 "jwcrypto rejects a token signed by a key that is not published"
(cd "$HERE" && node verify.mjs "$ISS" "$T_TMP/jwks.json" "$T_TMP/stranger.jsonl" "$T_TMP/x.jsonl") | grep -c '^FAIL node jose verifies' >"$T_TMP/neg"
is "$(cat "$T_TMP/neg")" 1 "node jose rejects a token signed by a key that is not published"
done_testing
