#!/bin/sh
# ./dev.sh sandbox (tests/interop/sandbox.py): the walkthrough it prints works as printed, offline,
# against its stand-ins; SIGINT (Ctrl-C) stops every stand-in and removes its directory.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
[ -x "$HERE/node_modules/.bin/s3rver" ] || skip_all "s3rver missing: run 'npm ci' in tests/interop (dev.sh test does)"
/usr/bin/python3 -c 'import botocore, cryptography' 2>/dev/null || skip_all "python3-botocore or python3-cryptography missing"
export HOME="$T_TMP/home"
mkdir -p "$HOME"
SB="$T_TMP/sandbox"
/usr/bin/python3 "$HERE/sandbox.py" --saoidc "$SAOIDC" --keys "$KEYS" --dir "$SB" >"$T_TMP/sb.out" 2>"$T_TMP/sb.err" &
SBPID=$!
if ! WAIT_S=30 wait_for grep -q '^sandbox ready' "$T_TMP/sb.out"; then
	fail "the sandbox comes up" "$(cat "$T_TMP/sb.out" "$T_TMP/sb.err")"
	kill -INT $SBPID 2>/dev/null
	wait $SBPID
	done_testing
	exit 1
fi
pass "the sandbox comes up and says it is ready"

# The lines a user pastes: unset and export, then the three commands, each run as printed.
sed -n 's/^  \(unset\|export\) /\1 /p' "$T_TMP/sb.out" >"$T_TMP/env.sh"
grep -q '^unset AWS_PROFILE' "$T_TMP/env.sh" && pass "it unsets AWS_PROFILE first" || fail "it unsets AWS_PROFILE first" "$(cat "$T_TMP/env.sh")"
for v in S3 IAM STS CLOUDFRONT; do
	contains "$(cat "$T_TMP/env.sh")" "export AWS_ENDPOINT_URL_$v=http://127.0.0.1:" "it exports AWS_ENDPOINT_URL_$v on loopback"
done
grep -F "  $SAOIDC " "$T_TMP/sb.out" | sed 's/^  //' >"$T_TMP/walk"
is "$(wc -l <"$T_TMP/walk" | tr -d ' ')" 3 "the walkthrough has three commands"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	(. "$T_TMP/env.sh" && eval "$cmd") >"$T_TMP/w$n.out" 2>"$T_TMP/w$n.err"
	is "$?" 0 "walkthrough step $n runs as printed ($(echo "$cmd" | awk '{print $2}'))"
done <"$T_TMP/walk"
contains "$(cat "$T_TMP/w1.out")" "https://saoidc-sandbox.s3.us-east-1.amazonaws.com/demo" "publish prints the sandbox issuer"
contains "$(cat "$T_TMP/w2.out")" "oidc-provider/saoidc-sandbox.s3.us-east-1.amazonaws.com/demo" "register creates the provider in the IAM stand-in"
for c in discovery issuer jwks jwks-keys local-keys iam-provider iam-client-id iam-thumbprint; do
	contains "$(cat "$T_TMP/w3.out")" "[PASS] $(printf '%-15s' "$c")" "verify passes $c"
done
# Requests really went through the SigV4-checking stand-ins.
contains "$(cat "$SB/s3-requests.log")" '"signed": true' "S3 requests were signed and checked"
contains "$(cat "$SB/iam-requests.log")" "CreateOpenIDConnectProvider" "IAM got CreateOpenIDConnectProvider"

# Ctrl-C: everything stops, the directory goes.
ports=$(sed -n 's/^  export AWS_ENDPOINT_URL_[A-Z0-9]*=http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$T_TMP/sb.out")
kill -INT $SBPID
wait $SBPID
is "$?" 0 "SIGINT stops the sandbox with status 0"
contains "$(cat "$T_TMP/sb.err")" "sandbox stopped" "and it says so"
[ ! -e "$SB" ] && pass "its directory is removed" || fail "its directory is removed" "$(ls -la "$SB")"
open=""
for p in $ports; do
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/" && open="$open $p"
done
is "$open" "" "no stand-in still answers on its port"
refused "a second sandbox refuses an existing directory" 1 "exists; give a new directory" \
	/usr/bin/python3 "$HERE/sandbox.py" --saoidc "$SAOIDC" --keys "$KEYS" --dir "$T_TMP"
done_testing
