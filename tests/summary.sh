#!/bin/sh
# Adds up the test results automake's TAP driver recorded (*.trs) in one or more build trees
# (plain, ASan/UBSan, TSan), counting each test point once: a point is one result line of one
# test file, found by the file's path inside its build tree and its position in the file. It
# failed if it failed in any build, passed if it passed in at least one and failed in none, and
# is skipped if no build ran it. A test file a build planned (./dev.sh writes the plan to
# BUILD/.plan) but that left no results counts as one failed point. One line per build first,
# then the closing line
# "N passed, N failed, N skipped". Usage: summary.sh [BUILD_DIR...]
# Exits non-zero if anything failed or nothing passed.
[ $# -gt 0 ] || set -- .
for dir in "$@"; do
	[ -d "$dir" ] || continue
	(cd "$dir" && find . -name '*.trs' | sort | while read -r f; do
		awk -v b="$(basename "$dir")" -v f="$f" '/^:test-result: / { n++; print b, f "#" n, $2 }' "$f"
	done
	# The plan (.plan, written by ./dev.sh): a planned test file with no results did not run.
	if [ -f .plan ]; then
		for t in $(cat .plan); do
			[ -f "./${t%.sh}.trs" ] || [ -f "./$t.trs" ] || echo "$(basename "$dir") ./$t.trs#0 NOTRUN"
		done
	fi)
done | awk '
	{
		build = $1; point = $2; r = $3
		if (!(build in seen)) { seen[build] = 1; order[++nb] = build }
		if (r == "PASS" || r == "XFAIL") { bp[build]++; st = 1 }
		else if (r == "SKIP") { bs[build]++; st = 0 }
		else if (r == "NOTRUN") { bf[build]++; st = 2; notrun = notrun " " point }
		else { bf[build]++; st = 2 }
		if (!(point in worst) || st > worst[point]) worst[point] = st
	}
	END {
		for (i = 1; i <= nb; i++)
			printf "  %s: %d passed, %d failed, %d skipped\n", order[i], bp[order[i]], bf[order[i]], bs[order[i]]
		if (notrun != "")
			printf "  planned but did not run:%s\n", notrun
		for (p in worst) { if (worst[p] == 2) f++; else if (worst[p] == 1) ok++; else s++ }
		printf "%d passed, %d failed, %d skipped\n", ok, f, s
		exit (f > 0 || ok == 0) ? 1 : 0
	}'
