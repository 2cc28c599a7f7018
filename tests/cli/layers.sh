#!/bin/sh
# The source layout is the architecture (doc/ARCHITECTURE.md): each directory of src/ may include
# only from itself and the layers listed below it here, and no two modules include each other,
# directly or around a loop. A module is a .c/.h pair; an edge is a quoted #include. The check
# is proven on a copy of the tree with an upward include and a cycle planted in it.
. "$SRCDIR/tests/lib.sh"

# layer: the layers it may include (besides itself). Keep in step with doc/ARCHITECTURE.md.
allowed() {
	case "$1" in
	util) echo "" ;;
	net) echo "util" ;;
	kube) echo "net util" ;;
	aws) echo "net util" ;;
	azure) echo "net util" ;;
	gcp) echo "jose net util" ;;
	jose) echo "util" ;;
	pod) echo "aws jose util" ;;
	server) echo "jose net util" ;;
	store) echo "aws azure gcp jose net util" ;;
	issuer) echo "store server pod aws azure gcp jose kube net util" ;;
	admission) echo "server pod kube net util" ;;
	cmd) echo "admission issuer store server pod jose aws azure gcp kube net util" ;;
	*) echo "UNKNOWN" ;;
	esac
}

# upward DIR: every include that leaves its layer for one it may not use, or is unqualified.
upward() {
	(cd "$1" && for dir in */; do
		dir=${dir%/}
		ok=$(allowed "$dir")
		if [ "$ok" = UNKNOWN ]; then
			printf ' %s/ (a layer tests/cli/layers.sh does not know)' "$dir"
			continue
		fi
		for f in "$dir"/*.c "$dir"/*.h; do
			[ -f "$f" ] || continue
			for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
				[ "$inc" = config.h ] && continue
				to=${inc%%/*}
				[ "$to" = "$inc" ] && { printf ' %s:"%s"(unqualified)' "$f" "$inc"; continue; }
				[ "$to" = "$dir" ] && continue
				case " $ok " in *" $to "*) ;; *) printf ' %s->%s' "$f" "$inc" ;; esac
			done
		done
	done)
}

# cycles DIR: the modules on an include loop (tsort names them), if any.
cycles() {
	(cd "$1" && for f in */*.c */*.h; do
		from=${f%.*}
		for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			[ "$inc" = config.h ] && continue
			to=${inc%.h}
			[ "$to" = "$from" ] || echo "$to $from"
		done
	done) | tsort 2>&1 >/dev/null | grep -v '^tsort: -: input contains a loop:' | tr '\n' ' '
}

cd "$SRCDIR/src" || exit 1
# Every file lives in a layer directory: nothing at the top of src/.
loose=$(find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) | sed 's|^\./||' | tr '\n' ' ')
is "$loose" "" "no source file outside a layer directory"
is "$(upward "$SRCDIR/src")" "" "every include goes to the same layer or one below it"
is "$(cycles "$SRCDIR/src")" "" "no include cycle between modules"

# Who logs: commands, the services (server/, admission/) and the flows' progress (issuer/); the
# library layers below them return errors and notes instead, and never write to stdout/stderr.
quiet_layers() {
	grep -lE '\blog_(info|warn|error|note|debug)\(|\b(printf|puts)\(|[(,] *(stdout|stderr) *[,)]' \
		"$1"/net/*.c "$1"/jose/*.c "$1"/aws/*.c "$1"/kube/*.c "$1"/pod/*.c "$1"/store/*.c "$1"/azure/*.c "$1"/gcp/*.c \
		$(ls "$1"/util/*.c | grep -v '/util/log\.c$') 2>/dev/null | sed "s|^$1/||" | tr '\n' ' '
}
is "$(quiet_layers "$SRCDIR/src")" "" "no module of util/ (but log), net/, jose/, aws/, kube/ or pod/ logs or prints"
cp -r "$SRCDIR/src" "$T_TMP/src3"
printf 'static void f(void) { log_warn("x"); }\n' >>"$T_TMP/src3/pod/workload.c"
is "$(quiet_layers "$T_TMP/src3")" "pod/workload.c " "  a planted log_warn in pod/ is caught, naming the file"

# The check itself can fail: on a copy of the tree, a planted upward include and a planted
# cycle are caught, and each is named.
cp -r "$SRCDIR/src" "$T_TMP/src"
printf '#include "cmd/cli.h"\n' >>"$T_TMP/src/util/str.h"
contains "$(upward "$T_TMP/src")" "util/str.h->cmd/cli.h" "a planted include of cmd/ from util/ is caught, naming the file"
cp -r "$SRCDIR/src" "$T_TMP/src2"
printf '#include "util/clock.h"\n' >>"$T_TMP/src2/util/b64.h"
printf '#include "util/b64.h"\n' >>"$T_TMP/src2/util/clock.h"
c=$(cycles "$T_TMP/src2")
case "$c" in *util/b64*util/clock* | *util/clock*util/b64*) pass "a planted cycle util/b64 <-> util/clock is caught: $c" ;;
*) fail "a planted cycle util/b64 <-> util/clock is caught" "got: $c" ;; esac
mkdir "$T_TMP/src/plugins" && printf 'int x;\n' >"$T_TMP/src/plugins/p.c"
contains "$(upward "$T_TMP/src")" "plugins/ (a layer tests/cli/layers.sh does not know)" "a directory the table does not know is caught"
done_testing
