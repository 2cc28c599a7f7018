#!/bin/sh
# saoidc completion bash|zsh: made from the commands' own option tables. Every option a
# command's --help lists is completed for it, and every option completed is documented in its
# --help; bash completes commands, options and the positional words; the scripts parse.
. "$SRCDIR/tests/lib.sh"
run "$SAOIDC" completion bash
is "$RC" 0 "completion bash exits 0"
printf '%s\n' "$OUT" >"$T_TMP/saoidc.bash"
ok "the bash script parses (bash -n)" bash -n "$T_TMP/saoidc.bash"
run "$SAOIDC" completion zsh
printf '%s\n' "$OUT" >"$T_TMP/_saoidc"
if command -v zsh >/dev/null 2>&1; then
	ok "the zsh script parses (zsh -n)" zsh -n "$T_TMP/_saoidc"
else
	skip "the zsh script parses (zsh -n)" "zsh is not installed"
fi
contains "$OUT" "#compdef saoidc" "the zsh script declares itself for saoidc"
refused "another shell is a usage error" 2 "give bash or zsh" "$SAOIDC" completion fish

# complete WORDS...: what bash offers for the last word.
complete_() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _saoidc; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$T_TMP/saoidc.bash" "$@" | sort | tr '\n' ' '
}
contains "$(complete_ saoidc mig)" "migrate" "bash completes a command name"
contains "$(complete_ saoidc serve --tls)" "--tls-cert --tls-key" "bash completes a command's options"
is "$(complete_ saoidc trust-policy a)" "aws azure " "bash completes trust-policy's cloud"
contains "$(complete_ saoidc token verify --jw)" "--jwks" "and token verify's options"

# Every command of `saoidc --help`: its documented options are completed, and what is completed
# is documented. An option added to a command's table, or to its help, without the other fails here.
cmds=$("$SAOIDC" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' |
	grep -vx 'help\|completion')
n=0
for c in $cmds; do
	n=$((n + 1))
	help=$("$SAOIDC" help "$c" 2>&1)
	listed=$(printf '%s\n' "$help" | sed -n 's/^ \{2,8\}\(-[a-zA-Z], \)\{0,1\}--\([a-z0-9-]*\).*/\2/p' | sort -u)
	completed=$(complete_ saoidc "$c" -- | tr ' ' '\n' | sed -n 's/^--//p' | sort -u)
	missing=$(printf '%s\n' "$listed" | while read -r o; do [ -n "$o" ] && ! printf '%s\n' "$completed" | grep -qx "$o" && printf '%s ' "--$o"; done)
	undocumented=$(printf '%s\n' "$completed" | while read -r o; do [ -n "$o" ] && ! printf '%s' "$help" | grep -q -- "--$o" && printf '%s ' "--$o"; done)
	is "$missing" "" "$c: every option its --help lists is completed"
	is "$undocumented" "" "$c: every completed option is in its --help"
done
ok "every command was checked ($n)" test "$n" -ge 20
done_testing
