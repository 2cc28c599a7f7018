#!/bin/sh
# Adds up the test results automake's TAP driver recorded in one or more build trees (plain,
# ASan/UBSan, TSan), counting each test point once. A test point is one result line of one test
# file. When every build that ran a file reported the same number of points, a point is found by
# its position in the file; when the builds differ (a point that is skipped as a whole in one
# build and split in several in another), by its description, with numbers and parenthesised
# details left out (timings, ports, kids) and a count for descriptions that repeat. It failed if
# it failed in any build, passed if it passed in at least one and failed in none, and is skipped
# if no build ran it. A test file a build planned (./dev.sh writes the plan to BUILD/.plan) but
# that left no results counts as one failed point. One line per build first, then the closing
# line "N passed, N failed, N skipped". Usage: summary.sh [BUILD_DIR...]
# Exits non-zero if anything failed or nothing passed.
[ $# -gt 0 ] || set -- .
TAB=$(printf '\t')
for dir in "$@"; do
	[ -d "$dir" ] || continue
	(cd "$dir" && find . -name '*.trs' | sort | while read -r f; do
		log=${f%.trs}.log
		n_trs=$(grep -c '^:test-result: ' "$f")
		n_log=$(grep -cE '^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR): ' "$log" 2>/dev/null || echo 0)
		if [ "$n_trs" = "$n_log" ]; then
			# RESULT: FILE N - DESCRIPTION [# SKIP why]; ERROR: FILE - why
			grep -E '^(PASS|FAIL|XFAIL|XPASS|SKIP|ERROR): ' "$log" | awk -v b="$(basename "$dir")" -v f="$f" -v OFS="$TAB" '
				{ r = $1; sub(/:$/, "", r); d = $0; sub(/^[A-Z]+: [^ ]+ /, "", d); sub(/^[0-9]+ /, "", d)
				  sub(/^- /, "", d); sub(/ # SKIP.*$/, "", d); print b, f, ++n, r, d }'
		else
			awk -v b="$(basename "$dir")" -v f="$f" -v OFS="$TAB" '/^:test-result: / { print b, f, ++n, $2, "" }' "$f"
		fi
	done
	# The plan (.plan, written by ./dev.sh): a planned test file with no results did not run.
	if [ -f .plan ]; then
		for t in $(cat .plan); do
			[ -f "./${t%.sh}.trs" ] || [ -f "./$t.trs" ] || printf '%s\t%s\t0\tNOTRUN\t\n' "$(basename "$dir")" "./$t.trs"
		done
	fi)
done | awk -F "$TAB" '
	{
		build[NR] = $1; file[NR] = $2; idx[NR] = $3; res[NR] = $4; desc[NR] = $5
		k = $1 SUBSEP $2
		if (!(k in count)) { count[k] = 0; builds_of[$2] = builds_of[$2] " " $1 }
		count[k]++
	}
	END {
		# Files whose builds disagree on the number of points are keyed by description.
		for (k in count) {
			split(k, bf, SUBSEP)
			if (!(bf[2] in first)) first[bf[2]] = count[k]
			else if (first[bf[2]] != count[k]) by_desc[bf[2]] = 1
		}
		for (i = 1; i <= NR; i++) {
			b = build[i]; r = res[i]
			if (file[i] in by_desc && res[i] != "NOTRUN") {
				d = desc[i]
				gsub(/\([^)]*\)/, "", d); gsub(/[0-9]+/, "#", d); gsub(/  +/, " ", d)
				occ[b, file[i], d]++
				point = file[i] "|" d "|" occ[b, file[i], d]
			} else {
				point = file[i] "#" idx[i]
			}
			if (!(b in seen)) { seen[b] = 1; order[++nb] = b }
			if (r == "PASS" || r == "XFAIL") { bp[b]++; st = 1 }
			else if (r == "SKIP") { bs[b]++; st = 0 }
			else if (r == "NOTRUN") { bf2[b]++; st = 2; notrun = notrun " " point }
			else { bf2[b]++; st = 2 }
			if (!(point in worst) || st > worst[point]) worst[point] = st
		}
		for (i = 1; i <= nb; i++)
			printf "  %s: %d passed, %d failed, %d skipped\n", order[i], bp[order[i]], bf2[order[i]], bs[order[i]]
		if (notrun != "")
			printf "  planned but did not run:%s\n", notrun
		for (p in worst) { if (worst[p] == 2) f++; else if (worst[p] == 1) ok++; else s++ }
		printf "%d passed, %d failed, %d skipped\n", ok, f, s
		exit (f > 0 || ok == 0) ? 1 : 0
	}'
