#!/bin/sh
# Runs every unit test binary under valgrind memcheck: any leak or memory error fails.
. "$SRCDIR/tests/lib.sh"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
[ -n "${SAOIDC_SANITIZED:-}" ] && skip_all "valgrind cannot run sanitized binaries"
: "${UNIT_DIR:=$(dirname "$(dirname "$SAOIDC")")/tests/unit}"
for t in util/test_b64 jose/test_keys jose/test_jwk jose/test_discovery util/test_fsio; do
	if valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=99 "$UNIT_DIR/$t" >"$T_TMP/${t#*/}.out" 2>"$T_TMP/${t#*/}.vg"; then
		pass "$t: valgrind memcheck clean"
	else
		fail "$t: valgrind memcheck clean" "$(head -c 2000 "$T_TMP/${t#*/}.vg")"
	fi
done
done_testing
