#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) from the sources and runs each for
# FUZZ_SECONDS (default 10) on its seed corpus plus a scratch corpus: key files (PEM, DER,
# Secret JSON), If-None-Match and URLs, JWTs and JWKs, AWS XML and INI files, raw HTTP requests
# to the server, AdmissionReviews, Kubernetes watch streams, IAM trust policies, retention states (one cluster or a fleet), serve --issuers files, Azure connection strings, store URIs and Azure/Google error bodies, and the command layer end to end (token decode/verify, jwks,
# inspect, discovery, pod-patch on hostile files and arguments). A crash, leak or sanitizer
# report fails the test and leaves the reproducer in the log. `make fuzz` runs it longer.
. "$SRCDIR/tests/lib.sh"
command -v clang >/dev/null 2>&1 || skip_all "clang is not installed"
[ -n "${SAOIDC_SANITIZED:-}" ] && skip_all "runs in the plain build only"
SECS=${FUZZ_SECONDS:-10}
F="$SRCDIR/tests/fuzz"
CFLAGS_DEPS=$(pkg-config --cflags libcrypto libssl jansson libcurl libmicrohttpd expat yaml-0.1)
LIBS_DEPS="$(pkg-config --libs libcrypto libssl jansson libcurl libmicrohttpd expat yaml-0.1) -lpthread"
# config.h lives in the build tree, next to the saoidc binary's parent directory.
CONFIG_DIR=$(dirname "$(dirname "$SAOIDC")")
# Every library module: all of src/ but the commands (src/cmd/); fuzz_cmd also takes the
# commands, all but main.c (it has main()).
LIBSRC=$(cd "$SRCDIR/src" && ls ./*/*.c | sed 's|^\./||' | grep -v '^cmd/')
CMDSRC=$(cd "$SRCDIR/src" && ls cmd/*.c | grep -v '^cmd/main\.c$')
export SAOIDC_FUZZ_KEY="$KEYS/demo-rsa.pub"
for t in keys http jwt aws serve webhook watch trust retain issuers store cmd; do
	srcs=""
	extra=""
	for s in $LIBSRC; do srcs="$srcs $SRCDIR/src/$s"; done
	[ "$t" = http ] && extra="-close_fd_mask=2" # the log lines it writes; sanitizer reports still reach the log
	if [ "$t" = cmd ]; then
		for s in $CMDSRC; do srcs="$srcs $SRCDIR/src/$s"; done
		extra="-close_fd_mask=3" # the commands' own output; sanitizer reports still reach the log
	fi
	if clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$SRCDIR/src" -I"$CONFIG_DIR" $CFLAGS_DEPS -o "$T_TMP/fuzz_$t" "$F/fuzz_$t.c" $srcs $LIBS_DEPS 2>"$T_TMP/build_$t.log"; then
		: # building is not a test of its own: the run below is the point
	else
		fail "fuzz_$t builds with clang, ASan and UBSan" "$(head -c 1500 "$T_TMP/build_$t.log")"
		continue
	fi
	mkdir -p "$T_TMP/corpus_$t"
	if (cd "$T_TMP" && "./fuzz_$t" -max_total_time="$SECS" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 $extra "$T_TMP/corpus_$t" "$F/corpus/$t") >"$T_TMP/run_$t.log" 2>&1; then
		pass "fuzz_$t runs ${SECS}s clean ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$T_TMP/run_$t.log" | awk '{print $2}') inputs)"
	else
		fail "fuzz_$t runs ${SECS}s clean" "$(grep -A30 'ERROR\|SUMMARY\|crash' "$T_TMP/run_$t.log" | head -40)"
	fi
done
done_testing
