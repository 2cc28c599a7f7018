#!/bin/sh
# The command line itself: help, version, exit codes for usage errors, the man page.
. "$SRCDIR/tests/lib.sh"

run "$SAOIDC" --help
is "$RC" 0 "--help exits 0"
for c in serve publish unpublish register thumbprint verify token trust-policy pod-patch webhook s3-policy render jwks discovery keygen rotate-plan inspect; do contains "$OUT" "  $c " "--help lists $c"; done
run "$SAOIDC" --version
is "$RC" 0 "--version exits 0"
contains "$OUT" "saoidc 0." "--version prints the version"
run "$SAOIDC"
is "$RC" 2 "no command is a usage error (2)"
refused "unknown command exits 2" 2 "unknown command 'frobnicate'" "$SAOIDC" frobnicate
refused "unknown option exits 2" 2 "unknown option '--nope'" "$SAOIDC" jwks --nope
refused "missing option value exits 2" 2 "needs a value" "$SAOIDC" jwks --key
refused "jwks without --key exits 2" 2 "at least one --key" "$SAOIDC" jwks
refused "render without --out exits 2" 2 "--out" "$SAOIDC" render --issuer https://x --key "$KEYS/demo-rsa.pub"
refused "stray argument exits 2" 2 "unexpected argument 'extra'" "$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" extra
for c in serve publish unpublish register thumbprint verify token trust-policy pod-patch webhook s3-policy render jwks discovery keygen rotate-plan inspect; do
	run "$SAOIDC" help "$c"
	is "$RC" 0 "help $c exits 0"
	contains "$OUT" "Usage: saoidc $c" "help $c shows its usage"
	run "$SAOIDC" "$c" --help
	contains "$OUT" "Usage: saoidc $c" "$c --help shows its usage"
	contains "$(cat "$SRCDIR/doc/saoidc.1")" ".B saoidc $c" "the man page documents $c"
done
refused "help for an unknown command exits 2" 2 "unknown command" "$SAOIDC" help nope
refused "and points to the command list, not to itself" 2 "Try 'saoidc --help' for the list of commands." "$SAOIDC" help nope
run "$SAOIDC" help help
is "$RC" 0 "saoidc help help is the command list"
contains "$OUT" "Usage: saoidc COMMAND" "saoidc help help prints the usage"
run "$SAOIDC" help --help
is "$RC $(printf '%s\n' "$OUT" | head -n 1)" "0 Usage: saoidc COMMAND [OPTIONS]" "saoidc help --help is the command list too"
refused "publish without its bucket names what is missing" 2 "the store (s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] or gs://BUCKET[/PREFIX]) is missing" "$SAOIDC" publish --key "$KEYS/demo-rsa.pub"
refused "trust-policy without its cloud names what is missing" 2 "the cloud (aws, azure or gcp) is missing" "$SAOIDC" trust-policy --issuer https://oidc.example.com/c
refused "serve --listen 8080 is a usage error (2), naming the forms" 2 "expected HOST:PORT" "$SAOIDC" serve --listen 8080 --issuer https://oidc.example.com/c --key "$KEYS/demo-rsa.pub"
refused "keygen --out - is refused: no private key named -.key" 2 "--out takes a path" sh -c "cd '$T_TMP' && '$SAOIDC' keygen --out -"
ok "and nothing was written" test ! -e "$T_TMP/-.key"
for c in serve publish; do
	run "$SAOIDC" "$c" --help
	ok "$c --help: --discovery-style on its own line, not run into its text" sh -c "printf '%s\n' \"\$0\" | grep -q -- '--discovery-style kube|eks\$'" "$OUT"
done
run "$SAOIDC" webhook --help
contains "$OUT" "-h, --help" "webhook --help lists -h"
if command -v man >/dev/null 2>&1; then
	ok "the man page renders without warnings" sh -c "MANWIDTH=80 man --warnings -l '$SRCDIR/doc/saoidc.1' 2>&1 >/dev/null | (! grep .)"
fi
run sh -c "'$SAOIDC' jwks --key '$KEYS/demo-rsa.pub' >/dev/full"
is "$RC" 1 "a failed write to stdout exits 1"
# Whole numbers: digits only, within the option's range, the same rule for every command.
for bad in 0 -1 " 5" 5s 86401 99999999999999999999; do
	refused "publish --wait-timeout '$bad' is refused, naming the range" 2 "--wait-timeout takes whole seconds from 1 to 86400, not '$bad'" \
		"$SAOIDC" publish s3://b/p --key "$KEYS/demo-rsa.pub" --private --wait-timeout "$bad"
done
refused "unpublish --wait-timeout the same way" 2 "--wait-timeout takes whole seconds from 1 to 86400, not 'x'" "$SAOIDC" unpublish s3://b/p --wait-timeout x
refused "serve --threads 0 is refused" 2 "--threads takes a whole number from 1 to 256, not '0'" "$SAOIDC" serve --issuer https://x.example --key "$KEYS/demo-rsa.pub" --threads 0

done_testing
