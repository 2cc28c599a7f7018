#!/bin/sh
# saoidc rotate-plan against saoidc serve (HTTPS, a test CA): each stage of a rotation gives the
# safe next step, and the exit status says whether a valid token can fail right now.
. "$SRCDIR/tests/lib.sh"
C="$T_TMP/pki"
make_chain "$C" oidc.test
A="$KEYS/demo-rsa.pub"
B="$KEYS/demo-ec256.pub"
KA=$(kid_of "$A")
KB=$(kid_of "$B")
P=$(free_port)
serve_keys() {
	[ -n "${SERVE_PID:-}" ] && stop_serve
	SERVE_SCHEME=https start_serve "$P" --issuer https://oidc.test/rot --listen "127.0.0.1:$P" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" "$@"
}
trap 'kill $SERVE_PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
plan() { run "$SAOIDC" rotate-plan --issuer https://oidc.test/rot --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" "$@"; }

serve_keys --key "$A"
plan --key "$A" --signer "$A"
is "$RC" 0 "steady state exits 0"
contains "$OUT" "Steady: $KA signs" "and says how to start a rotation"
contains "$OUT" "saoidc keygen" "(keygen first)"

plan --key "$A" --key "$B" --signer "$A"
is "$RC" 0 "a new key held but not published yet: nothing fails yet (exit 0)"
contains "$OUT" "1. Publish $KB first" "step 1: publish the new key"
contains "$OUT" "2. Then switch the API server's signing key" "step 2: only then switch"

plan --key "$B" --signer "$B"
is "$RC" 1 "signing with a key that is not published: exit 1"
contains "$OUT" "NOW: tokens fail at STS. Publish $KB first" "and it says so"

serve_keys --key "$A" --key "$B"
plan --key "$A" --key "$B" --signer "$B"
is "$RC" 0 "both published, the new one signs: exit 0"
contains "$OUT" "$KA no longer signs, but tokens it signed live until they expire" "keep the old key until its tokens expire"

plan --key "$B" --signer "$B"
is "$RC" 0 "the old key dropped from the API server, still published: exit 0"
contains "$OUT" "$KA is published but not held any more" "it says the old key may go after 25 h"

plan --key "$A"
contains "$OUT" "Give --signer" "without --signer it asks for it"

refused "a signer that is not among the keys is refused" 1 "is not among the --key given" "$SAOIDC" rotate-plan --issuer https://oidc.test/rot --connect-to "127.0.0.1:$P" --ca-file "$C/root.pem" --key "$A" --signer "$B"
refused "an unreachable issuer is an error" 1 "reading the published JWKS" "$SAOIDC" rotate-plan --issuer https://oidc.test/rot --connect-to "127.0.0.1:$(free_port)" --ca-file "$C/root.pem" --key "$A"
stop_serve
done_testing
