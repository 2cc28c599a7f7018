#!/bin/sh
# Adds up every test result automake's TAP driver recorded (*.trs under the build tree) and
# prints "N passed, N failed, N skipped". Usage: summary.sh [BUILD_DIR...] Exits non-zero if anything failed or nothing ran.
[ $# -gt 0 ] || set -- .
find "$@" -name '*.trs' -exec cat {} + 2>/dev/null | awk '
	/^:test-result: (PASS|XFAIL)/ { p++ }
	/^:test-result: (FAIL|XPASS|ERROR)/ { f++ }
	/^:test-result: SKIP/ { s++ }
	END {
		printf "%d passed, %d failed, %d skipped\n", p, f, s
		exit (f > 0 || p == 0) ? 1 : 0
	}'
