#!/bin/sh
# Every C file of the tree is as clang-format (with the checked-in .clang-format) writes it: the
# style is not a matter of review. The differing files are named; `clang-format -i FILE` fixes one.
. "$SRCDIR/tests/lib.sh"
command -v clang-format >/dev/null 2>&1 || skip_all "clang-format is not installed"
cd "$SRCDIR" || exit 1
bad=""
n=0
for f in src/*/*.[ch] tests/unit/*.h tests/unit/*/*.c tests/fuzz/*.c tests/bench/*.c; do
	n=$((n + 1))
	clang-format --style=file "$f" | cmp -s - "$f" || bad="$bad $f"
done
is "$bad" "" "all $n C files are formatted by .clang-format"
# The check can fail: a file with its indentation spoiled is caught.
sed 's/^\t/  /' src/util/b64.c >"$T_TMP/b64.c"
cp .clang-format "$T_TMP/.clang-format"
ok "a spoiled file is caught" sh -c "! clang-format --style=file '$T_TMP/b64.c' | cmp -s - '$T_TMP/b64.c'"
done_testing
