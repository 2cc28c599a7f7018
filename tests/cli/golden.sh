#!/bin/sh
# Output for the fixed demo keys, byte for byte against golden files computed independently
# (tests/data/golden/make-golden.py: python3-cryptography, no saoidc code).
. "$SRCDIR/tests/lib.sh"
G="$SRCDIR/tests/data/golden"

for k in rsa ec256 ec384 ec521; do
	for form in pub key; do
		run "$SAOIDC" jwks --key "$KEYS/demo-$k.$form"
		is "$OUT" "$(cat "$G/demo-$k.jwks.json")" "jwks of demo-$k.$form matches the golden file"
	done
done
run "$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec256.pub" --key "$KEYS/demo-ec384.pub" --key "$KEYS/demo-ec521.pub"
is "$OUT" "$(cat "$G/demo-all.jwks.json")" "jwks of all four keys (rotation set) matches, in order"
run "$SAOIDC" discovery --issuer https://oidc.example.com/demo --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec256.pub" --key "$KEYS/demo-ec384.key" --key "$KEYS/demo-ec521.key"
is "$OUT" "$(cat "$G/demo-all.discovery.json")" "discovery document matches the golden file (kube-apiserver's five members)"
run "$SAOIDC" discovery --discovery-style eks --issuer https://oidc.example.com/demo --key "$KEYS/demo-rsa.pub" --key "$KEYS/demo-ec256.pub" --key "$KEYS/demo-ec384.key" --key "$KEYS/demo-ec521.key"
is "$OUT" "$(cat "$G/demo-all.discovery-eks.json")" "--discovery-style eks matches EKS's seven-member golden file"
refused "--discovery-style takes kube or eks" 2 "--discovery-style takes kube or eks" "$SAOIDC" discovery --discovery-style aws --issuer https://oidc.example.com/demo --key "$KEYS/demo-rsa.pub"
# Go's encoder escapes &, < and > in strings; so does saoidc, as kube-apiserver's bytes have them.
run "$SAOIDC" discovery --issuer 'https://oidc.example.com/a&b<c>' --key "$KEYS/demo-rsa.pub"
contains "$OUT" '"issuer":"https://oidc.example.com/a\u0026b\u003cc\u003e"' "&, < and > are escaped as Go's encoder does"
run "$SAOIDC" jwks --key "$KEYS/demo-eksa-sa-secret.json"
is "$OUT" "$(cat "$G/demo-rsa.jwks.json")" "the EKS Anywhere -sa Secret gives the same JWKS as its public key"
run sh -c "cat '$KEYS/demo-eksa-sa-secret.json' | '$SAOIDC' jwks --key -"
is "$OUT" "$(cat "$G/demo-rsa.jwks.json")" "a Secret on stdin works"

# Re-derive the golden files now, if the reference's library is here, so they cannot go stale.
if /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
	for k in rsa ec256 ec384 ec521; do
		is "$(/usr/bin/python3 "$G/make-golden.py" jwks "$KEYS/demo-$k.key")" "$(cat "$G/demo-$k.jwks.json")" "the reference still computes the golden demo-$k JWKS"
	done
	for style in discovery discovery-eks; do
		is "$(/usr/bin/python3 "$G/make-golden.py" "$style" https://oidc.example.com/demo https://oidc.example.com/demo/keys.json "$KEYS/demo-rsa.pub" "$KEYS/demo-ec256.pub" "$KEYS/demo-ec384.key" "$KEYS/demo-ec521.key")" \
			"$(cat "$G/demo-all.$style.json")" "the reference still computes the golden $style document"
	done
fi
run "$SAOIDC" inspect --key "$KEYS/demo-ec384.pub"
contains "$OUT" "$(sed 's/.*"kid":"\([^"]*\)".*/\1/' "$G/demo-ec384.jwks.json")  EC    P-384  ES384" "inspect shows kid, type, curve and alg"
run "$SAOIDC" inspect --json --key "$KEYS/demo-rsa.pub"
contains "$OUT" '"bits": 2048' "inspect --json shows the size"
done_testing
