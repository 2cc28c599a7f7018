#!/bin/sh
# Builds the Debian package into OUTDIR: a copy of the source tree (the files git tracks, or
# the whole tree of a tarball) stamped with build-aux/version.sh's version (in .tarball-version
# and debian/changelog), then `dpkg-buildpackage -us -uc -b` there. DEB_BUILD_OPTIONS passes
# through (nocheck skips the unit tests). Progress on stderr; the .deb path on stdout.
# usage: build-aux/deb.sh OUTDIR
set -eu
out=${1:?usage: build-aux/deb.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
v=$("$top/build-aux/version.sh")
mkdir -p "$out"
out=$(cd "$out" && pwd)
src="$out/saoidc-$v"
rm -rf "$src"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$top" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$src"
fi
printf %s "$v" >"$src/.tarball-version"
sed -i "1s/^saoidc ([^)]*)/saoidc ($v)/" "$src/debian/changelog"
echo "deb.sh: building saoidc $v in $src (log: $out/build.log)" >&2
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	exit 1
}
ls "$out"/saoidc_"$v"_*.deb
