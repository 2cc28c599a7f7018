#!/bin/sh
# tests/summary.sh, the suite's closing line: each test point counted once however many builds
# ran it (failed if it failed anywhere, skipped only if no build ran it), one line per build, and
# a planned test file that left no results counted as a failure.
. "$SRCDIR/tests/lib.sh"
trs() { mkdir -p "$(dirname "$1")"; shift_file=$1; shift; for r in "$@"; do echo ":test-result: $r"; done >"$shift_file"; }
mkdir -p "$T_TMP/plain" "$T_TMP/asan"
trs "$T_TMP/plain/tests/a.trs" PASS PASS SKIP
trs "$T_TMP/asan/tests/a.trs" PASS FAIL PASS
trs "$T_TMP/plain/tests/b.trs" PASS
run sh "$SRCDIR/tests/summary.sh" "$T_TMP/plain" "$T_TMP/asan"
is "$(printf '%s\n' "$OUT" | tail -n 1)" "3 passed, 1 failed, 0 skipped" "four points across two builds, each counted once (a.1, a.3, b.1 pass; a.2 failed in asan)"
contains "$OUT" "  plain: 3 passed, 0 failed, 1 skipped" "a line for the plain build"
contains "$OUT" "  asan: 2 passed, 1 failed, 0 skipped" "and one for the asan build"
is "$RC" 1 "a failure anywhere fails the run"
trs "$T_TMP/asan/tests/a.trs" PASS PASS PASS
run sh "$SRCDIR/tests/summary.sh" "$T_TMP/plain" "$T_TMP/asan"
is "$(printf '%s\n' "$OUT" | tail -n 1)" "4 passed, 0 failed, 0 skipped" "a point skipped in one build and passed in another passed"
is "$RC" 0 "and the run passes"
printf 'tests/a.sh tests/b.sh tests/c.sh\n' >"$T_TMP/plain/.plan"
run sh "$SRCDIR/tests/summary.sh" "$T_TMP/plain" "$T_TMP/asan"
contains "$OUT" "planned but did not run: ./tests/c.sh.trs#0" "a planned test file with no results is named"
is "$(printf '%s\n' "$OUT" | tail -n 1)" "4 passed, 1 failed, 0 skipped" "and counted as a failure"
is "$RC" 1 "which fails the run"
# Builds that disagree on a file's points (a whole file skipped in one build, split into points
# in another): the points are matched by description, numbers and parentheses left out.
rm -f "$T_TMP/plain/.plan"
tlog() { f=$1; shift; mkdir -p "$(dirname "$f")"; : >"$f.log"; : >"$f.trs"; n=0
	for line in "$@"; do n=$((n + 1)); r=${line%%|*}; d=${line#*|}
		echo "$r: tests/d.sh $n - $d" >>"$f.log"; echo ":test-result: $r" >>"$f.trs"; done; }
tlog "$T_TMP/plain/tests/d" "PASS|alpha (took 0.5 s)" "PASS|beta" "FAIL|beta"
tlog "$T_TMP/asan/tests/d" "SKIP|the whole file # SKIP not under ASan"
run sh "$SRCDIR/tests/summary.sh" "$T_TMP/plain" "$T_TMP/asan"
is "$(printf '%s\n' "$OUT" | tail -n 1)" "6 passed, 1 failed, 1 skipped" \
	"four earlier points, and d matched by description: alpha and the first beta pass, the second beta fails (not merged with the skip), the skip is its own point"
tlog "$T_TMP/asan/tests/d" "PASS|alpha (took 2.25 s)" "PASS|beta" "PASS|beta" "PASS|gamma 17"
tlog "$T_TMP/plain/tests/d" "PASS|alpha (took 0.5 s)" "PASS|beta" "PASS|beta"
run sh "$SRCDIR/tests/summary.sh" "$T_TMP/plain" "$T_TMP/asan"
is "$(printf '%s\n' "$OUT" | tail -n 1)" "8 passed, 0 failed, 0 skipped" "a timing in parentheses does not make two points of one"
run sh "$SRCDIR/tests/summary.sh" "$T_TMP/empty"
is "$RC" 1 "nothing run at all fails too"
done_testing
