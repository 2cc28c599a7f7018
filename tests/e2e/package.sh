#!/bin/sh
# The Debian package: built from the tree by build-aux/deb.sh (dpkg-buildpackage -us -uc -b;
# the unit tests are skipped there, the suite runs them), lintian-clean, with the binary, the
# man page, the unit, the completions, the config and the system user; unpacked into a
# throwaway root, the binary says the package's version and works, and the unit verifies.
. "$SRCDIR/tests/lib.sh"
[ -n "${SAOIDC_SANITIZED:-}" ] && skip_all "the package is built by the plain build only"
for t in dpkg-buildpackage dh lintian; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is missing (dpkg-dev, debhelper, lintian: ./dev.sh test installs them)"
done
V=$("$SRCDIR/build-aux/version.sh")
run env DEB_BUILD_OPTIONS=nocheck sh "$SRCDIR/build-aux/deb.sh" "$T_TMP/out"
is "$RC" 0 "dpkg-buildpackage -us -uc -b builds the package"
[ "$RC" -eq 0 ] || { echo "$ERR" | tail -n 20 | sed 's/^/# /'; done_testing; exit 1; }
DEB="$T_TMP/out/saoidc_${V}_$(dpkg --print-architecture).deb"
ok "the package is named after the version ($V)" test -f "$DEB"
run lintian --fail-on error,warning "$T_TMP/out/saoidc_${V}_$(dpkg --print-architecture).changes"
is "$RC" 0 "lintian reports no error and no warning"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/# /'

files=$(dpkg-deb -c "$DEB" | awk '{ print $6 }')
for f in ./usr/bin/saoidc ./usr/share/man/man1/saoidc.1.gz ./lib/systemd/system/saoidc.service \
	./usr/share/bash-completion/completions/saoidc ./usr/share/zsh/vendor-completions/_saoidc \
	./etc/saoidc/saoidc.env ./usr/lib/sysusers.d/saoidc.conf ./usr/share/doc/saoidc/copyright; do
	contains "$files" "$f" "the package holds $f"
done
is "$(dpkg-deb -f "$DEB" Version)" "$V" "its Version is build-aux/version.sh's"
deps=$(dpkg-deb -f "$DEB" Depends)
for l in libssl3 libjansson4 libcurl4 libmicrohttpd12 libyaml-0-2 libexpat1; do
	contains "$deps" "$l" "Depends (from \${shlibs:Depends}) names $l"
done
mkdir -p "$T_TMP/ctl"
dpkg-deb -e "$DEB" "$T_TMP/ctl"
is "$(cat "$T_TMP/ctl/conffiles")" "/etc/saoidc/saoidc.env" "the config is a conffile (an edit survives an upgrade)"
is "$(grep -c 'deb-systemd-invoke\|enable .saoidc.service. >' "$T_TMP/ctl/postinst" | tr -d ' ')" "$(grep -c 'was-enabled' "$T_TMP/ctl/postinst" | tr -d ' ')" \
	"postinst starts nothing and enables the unit only if it was enabled before (an upgrade)"
contains "$(cat "$T_TMP/ctl/postinst")" "systemd-sysusers" "postinst makes the saoidc user (sysusers.d)"

R="$T_TMP/root"
dpkg -x "$DEB" "$R"
is "$("$R/usr/bin/saoidc" --version | head -n 1)" "saoidc $V" "the installed binary says the package's version"
contains "$(zcat "$R/usr/share/man/man1/saoidc.1.gz" | grep '^\.TH')" "\"saoidc $V\"" "and so does its man page"
run "$R/usr/bin/saoidc" jwks --key "$KEYS/demo-rsa.pub"
contains "$OUT" "\"kid\":\"$(kid_of "$KEYS/demo-rsa.pub")\"" "the installed binary renders a JWKS"
U="$R/lib/systemd/system/saoidc.service"
contains "$(cat "$U")" "ExecStart=/usr/bin/saoidc serve" "the unit runs the packaged binary"
contains "$(cat "$U")" "User=saoidc" "  as the saoidc user"
contains "$(cat "$R/usr/lib/sysusers.d/saoidc.conf")" "u saoidc" "sysusers.d makes that user"
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T_TMP/unit"
	sed "s|/usr/bin/saoidc|$R/usr/bin/saoidc|" "$U" >"$T_TMP/unit/saoidc.service"
	ok "systemd-analyze verify accepts the unit as installed" env MANPATH="$R/usr/share/man" systemd-analyze verify "$T_TMP/unit/saoidc.service"
else
	skip "systemd-analyze verify accepts the unit as installed" "systemd-analyze is not installed"
fi
bash -c ". '$R/usr/share/bash-completion/completions/saoidc'; COMP_WORDS=(saoidc ver); COMP_CWORD=1; _saoidc; echo \"\${COMPREPLY[*]}\"" >"$T_TMP/c.out" 2>&1
is "$(cat "$T_TMP/c.out")" "verify" "the installed bash completion completes"
done_testing
