#!/bin/sh
# The bad-input corpus (tests/data/bad, made by make-corpus.sh): for every file, render and jwks
# exit 1, name the file and give the reason listed in EXPECTED, print nothing on stdout, and
# write nothing. Also a 100 MB file and an unreadable file in a directory.
. "$SRCDIR/tests/lib.sh"
B="$SRCDIR/tests/data/bad"
n=0
while IFS="$(printf '\t')" read -r f why; do
	n=$((n + 1))
	refused "render refuses $f" 1 "saoidc: error: $B/$f" "$SAOIDC" render --issuer https://oidc.example.com --key "$B/$f" --out "$T_TMP/out"
	contains "$ERR" "$why" "  with the reason: $why"
	ok "  and writes nothing" test ! -e "$T_TMP/out"
	refused "jwks refuses $f" 1 "$why" "$SAOIDC" jwks --key "$KEYS/demo-rsa.pub" --key "$B/$f"
done <"$B/EXPECTED"
ok "the corpus has at least 50 files ($n)" test "$n" -ge 50

truncate -s 100M "$T_TMP/huge.pem"
refused "a 100 MB file is refused without reading it" 1 "$T_TMP/huge.pem: file is too large" "$SAOIDC" jwks --key "$T_TMP/huge.pem"
head -c 5000000 /dev/zero | tr '\0' A >"$T_TMP/big-stdin"
refused "5 MB through a pipe is refused" 1 "<stdin>: input is too large" sh -c "cat '$T_TMP/big-stdin' | '$SAOIDC' jwks --key -"
mkdir "$T_TMP/dir" && cp "$KEYS/demo-rsa.pub" "$T_TMP/dir/a.pub" && cp "$B/ed25519.pem" "$T_TMP/dir/b.pem"
refused "a directory with one bad file names that file" 1 "$T_TMP/dir/b.pem: Ed25519" "$SAOIDC" render --issuer https://oidc.example.com --key "$T_TMP/dir" --out "$T_TMP/out"
if [ "$(id -u)" -ne 0 ]; then
	cp "$KEYS/demo-rsa.pub" "$T_TMP/dir/c.pem" && chmod 000 "$T_TMP/dir/c.pem" && rm "$T_TMP/dir/b.pem"
	refused "a directory with an unreadable file names it" 1 "$T_TMP/dir/c.pem: cannot open: Permission denied" "$SAOIDC" jwks --key "$T_TMP/dir"
else
	pass "a directory with an unreadable file names it # SKIP running as root, which reads every file"
fi
ln -s "$T_TMP/nowhere" "$T_TMP/dir/dangling.pem"
refused "a dangling link in a key directory is named" 1 "dangling.pem" "$SAOIDC" jwks --key "$T_TMP/dir"
done_testing
