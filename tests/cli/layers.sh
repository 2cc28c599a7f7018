#!/bin/sh
# The source layout is the architecture (doc/ARCHITECTURE.md): each directory of src/ may include
# only from itself and the layers listed below it here, and no two modules include each other,
# directly or around a loop. A module is a .c/.h pair; an edge is a quoted #include.
. "$SRCDIR/tests/lib.sh"

# layer: the layers it may include (besides itself). Keep in step with doc/ARCHITECTURE.md.
allowed() {
	case "$1" in
	util) echo "" ;;
	net) echo "util" ;;
	kube) echo "net util" ;;
	aws) echo "net util" ;;
	jose) echo "kube util" ;;
	pod) echo "aws jose util" ;;
	server) echo "jose net util" ;;
	issuer) echo "aws jose kube net util" ;;
	admission) echo "server pod kube net util" ;;
	cmd) echo "admission issuer server pod jose aws kube net util" ;;
	*) echo "UNKNOWN" ;;
	esac
}

cd "$SRCDIR/src" || exit 1
# Every file lives in a layer directory: nothing at the top of src/.
loose=$(find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) | sed 's|^\./||' | tr '\n' ' ')
is "$loose" "" "no source file outside a layer directory"

bad=""
for dir in */; do
	dir=${dir%/}
	ok=$(allowed "$dir")
	if [ "$ok" = UNKNOWN ]; then
		bad="$bad $dir/ (a layer tests/cli/layers.sh does not know)"
		continue
	fi
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			[ "$inc" = config.h ] && continue
			to=${inc%%/*}
			[ "$to" = "$inc" ] && { bad="$bad $f:\"$inc\"(unqualified)"; continue; }
			[ "$to" = "$dir" ] && continue
			case " $ok " in *" $to "*) ;; *) bad="$bad $f->$inc" ;; esac
		done
	done
done
is "$bad" "" "every include goes to the same layer or one below it"

# Module-level cycles: tsort reports a loop on stderr.
edges=$(for f in */*.c */*.h; do
	from=${f%.*}
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		[ "$inc" = config.h ] && continue
		to=${inc%.h}
		[ "$to" = "$from" ] || echo "$to $from"
	done
done)
cycles=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null | grep -v '^tsort: -: input contains a loop:' | tr '\n' ' ')
is "$cycles" "" "no include cycle between modules"

# The check itself can fail: a planted upward include and a planted cycle are caught.
planted=$(printf 'util/a util/b\nutil/b util/a\n' | tsort 2>&1 >/dev/null | grep -c 'loop')
is "$planted" 1 "the cycle check reports a planted loop"
case " $(allowed util) " in *" cmd "*) fail "util may not include cmd" ;; *) pass "the table forbids util -> cmd" ;; esac
done_testing
