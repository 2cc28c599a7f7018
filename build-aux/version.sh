#!/bin/sh
# The version saoidc says it is (configure's AC_INIT, hence --version, the man page and the
# Debian package): from a release tarball, its .tarball-version; from git, `git describe`
# against the release tags (vX.Y.Z), else the base version with the commit count and hash;
# from neither (a container build given no SAOIDC_VERSION), the base version marked unknown,
# never a release's number.
# No newline at the end: m4_esyscmd_s takes the output as is.
cd "$(dirname "$0")/.." || exit 1
base=0.1.0
if [ -f .tarball-version ]; then
	v=$(cat .tarball-version)
elif [ -e .git ] && command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
	if d=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
		v=$(printf %s "$d" | sed 's/^v//; s/-\([0-9]*\)-g/+\1.g/')
	else
		v="$base+git$(git rev-list --count HEAD).g$(git rev-parse --short=7 HEAD)"
	fi
	git diff-index --quiet HEAD -- 2>/dev/null || v="$v.dirty"
else
	v="$base+unknown"
fi
printf %s "$v"
