#!/bin/sh
# saoidc developer entry point. On a fresh Debian 12 machine:
#   ./dev.sh demo   install what is missing, build, render the demo issuer and serve it on localhost
#                   (PORT=8080 by default)
#   ./dev.sh test   install what is missing, build, run the whole test suite
#   ./dev.sh deb    install what is missing, build the Debian package into build/deb
#   ./dev.sh sandbox
#                   install what is missing, build, start local S3, IAM, STS and CloudFront
#                   stand-ins and print a publish/register/verify walkthrough (no AWS account)
# Both are idempotent; they install only packages that are not there yet.
set -eu
cd "$(dirname "$0")"
TOP=$(pwd)
BUILD="$TOP/build"
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf 'dev.sh: %s\n' "$*" >&2; }
# failures DIR: the FAIL/ERROR lines of DIR's check, each failing point with what it printed
# (its "#" lines in the test's log), so that a CI log alone says why.
failures() {
	grep -E '^(FAIL|ERROR|XPASS):' "$1/check.out" | while read -r line; do
		echo "$line"
		set -f
		set -- "$1" $line
		# the harness's log: tests/e2e/x.sh logs to tests/e2e/x.log, a unit test to its name.log
		log="$1/${3%.sh}.log"
		[ -f "$log" ] || log="$1/$3.log"
		awk -v n="$4" '/^(not ok|ok) / { on = ($1 == "not" && $3 == n) } on' "$log" 2>/dev/null | head -n 20 || true
		grep -m3 -E 'Sanitizer|runtime error' "$log" 2>/dev/null || true
	done || true
}

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# apt_need PKG...: installs those of the Debian packages that are not installed.
apt_need() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	say "installing:$missing"
	sudo_ apt-get update -qq
	sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

BUILD_DEPS="build-essential autoconf automake pkg-config libssl-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libexpat1-dev libyaml-dev openssl curl ca-certificates"
TSAN_TESTS="tests/e2e/serve.sh tests/e2e/reload-under-load.sh tests/e2e/kube-source.sh tests/e2e/slowloris.sh tests/e2e/tls-reload.sh tests/e2e/webhook.sh tests/e2e/webhook-slow-api.sh tests/e2e/https.sh tests/e2e/issuers.sh"
TEST_DEPS="clang-format strace systemd zsh dpkg-dev debhelper lintian python3 python3-cryptography python3-jwt python3-jwcrypto python3-botocore python3-jsonpatch python3-yaml awscli faketime man-db wrk valgrind clang libclang-rt-14-dev golang-google-api-dev azure-cli python3-azure"

# build [DIR [CONFIGURE_FLAGS...]]
build() {
	dir=${1:-$BUILD}
	[ $# -gt 0 ] && shift
	apt_need $BUILD_DEPS
	# autoreconf also when the version changed (a new commit): --version says what was built
	if [ ! -x "$TOP/configure" ] || [ "$TOP/configure.ac" -nt "$TOP/configure" ] || [ "$TOP/Makefile.am" -nt "$TOP/Makefile.in" ] ||
		! grep -qF "PACKAGE_VERSION='$("$TOP/build-aux/version.sh")'" "$TOP/configure"; then
		say "autoreconf"
		"$TOP/autogen.sh" >/dev/null 2>&1
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$TOP/configure" -nt "$dir/config.status" ]; then
		say "configure $*"
		(cd "$dir" && "$TOP/configure" -q --enable-werror "$@")
	fi
	say "make ($dir)"
	make -s -C "$dir" -j"$JOBS" >/dev/null
}

node_deps() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		apt_need nodejs npm
	fi
	if [ ! -d "$TOP/tests/interop/node_modules/jose" ] || [ "$TOP/tests/interop/package-lock.json" -nt "$TOP/tests/interop/node_modules/.package-lock.json" ]; then
		say "npm ci (tests/interop)"
		(cd "$TOP/tests/interop" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	fi
}

case "${1:-}" in
demo)
	build
	out="$BUILD/demo-site"
	port=${PORT:-8080}
	iss="http://127.0.0.1:$port"
	keys="--key $TOP/keys/demo-rsa.pub --key $TOP/keys/demo-ec256.pub"
	"$BUILD/src/saoidc" render --issuer "$iss" $keys --out "$out"
	echo
	echo "Demo issuer (keys/ holds demo keys: NOT for production). Rendered into $out;"
	echo "now serving it on localhost. Try:"
	echo "  curl $iss/.well-known/openid-configuration"
	echo "  curl $iss/keys.json"
	echo "  curl $iss/metrics"
	echo "Stop with Ctrl-C."
	echo
	exec "$BUILD/src/saoidc" serve --issuer "$iss" $keys --listen "127.0.0.1:$port"
	;;
test)
	# The whole suite twice: a plain build (with the fuzz and valgrind runs), and an
	# ASan + UBSan build; then the serve tests under ThreadSanitizer. The closing line adds up all.
	apt_need $TEST_DEPS
	node_deps
	build "$BUILD"
	build "$TOP/build-asan" --enable-sanitizers
	rc=0
	for dir in "$BUILD" "$TOP/build-asan"; do
		find "$dir" -name '*.trs' -delete
		make -s -C "$dir" print-tests >"$dir/.plan"
		say "plan ($dir): $(wc -w <"$dir/.plan") test files"
		if [ "$dir" = "$BUILD" ]; then san=""; else san=1; fi
		say "make check ($dir)"
		if ! SAOIDC_SANITIZED=$san make -C "$dir" -j"$JOBS" check >"$dir/check.out" 2>&1; then
			rc=1
			tail -n 30 "$dir/check.out"
		fi
		failures "$dir"
	done
	# ThreadSanitizer on the tests that drive serve's worker threads through reloads: a data race
	# makes the server exit 66, which the tests check.
	build "$TOP/build-tsan" --enable-sanitizers=thread
	find "$TOP/build-tsan" -name '*.trs' -delete
	echo $TSAN_TESTS >"$TOP/build-tsan/.plan"
	say "plan (build-tsan): $(wc -w <"$TOP/build-tsan/.plan") test files"
	say "make check, serve under ThreadSanitizer (build-tsan)"
	if ! SAOIDC_SANITIZED=1 make -C "$TOP/build-tsan" -j"$JOBS" check TESTS="$TSAN_TESTS" >"$TOP/build-tsan/check.out" 2>&1; then
		rc=1
		tail -n 30 "$TOP/build-tsan/check.out"
	fi
	failures "$TOP/build-tsan"
	"$TOP/tests/summary.sh" "$BUILD" "$TOP/build-asan" "$TOP/build-tsan" || rc=1
	exit $rc
	;;
deb)
	# The package for hosts (debian/): dpkg-buildpackage -us -uc -b on a copy of the tree.
	apt_need $BUILD_DEPS dpkg-dev debhelper
	exec "$TOP/build-aux/deb.sh" "$BUILD/deb"
	;;
sandbox)
	# The loopback AWS stand-ins the tests use, started together (tests/interop/sandbox.py);
	# Ctrl-C stops them all and removes the state directory.
	apt_need python3 python3-cryptography python3-botocore
	node_deps
	build
	dir="$BUILD/sandbox.$$"
	exec /usr/bin/python3 "$TOP/tests/interop/sandbox.py" --saoidc "$BUILD/src/saoidc" --keys "$TOP/keys" --dir "$dir"
	;;
*)
	echo "usage: ./dev.sh demo | test | sandbox | deb" >&2
	exit 2
	;;
esac
