#!/bin/sh
# saoidc webhook against a Kubernetes API stand-in that answers every request (lists, watches,
# GETs) 2 s late: reviews are answered from the watched copy of the ServiceAccounts, a
# ServiceAccount the copy lacks is read off the event loop (the request waits, /healthz does not),
# one made after the start arrives through the watch, and an answer that is not a ServiceAccount
# is never taken for "no annotations".
. "$SRCDIR/tests/lib.sh"
C="$T_TMP/pki"
make_chain "$C" localhost
D="$T_TMP/api"
mkdir -p "$D"
printf 'webhook-sa-token\n' >"$T_TMP/token"
sa() { # NAME: an annotated ServiceAccount in apps
	printf '{"metadata":{"name":"%s","annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/%s"}}}\n' "$1" "$1" >"$D/serviceaccounts_apps_$1.json"
}
for n in a1 a2 a3 a4; do sa "$n"; done
# m1..m4: not in lists or watches (a .delay file beside them): only a GET finds them.
for n in m1 m2 m3 m4; do echo 0 >"$D/serviceaccounts_apps_$n.delay"; sa "$n"; done
start_apiserver "$C" "$D" webhook-sa-token --delay 2
K="--kube-api https://127.0.0.1:$AP --kube-token-file $T_TMP/token --kube-ca $C/root.pem"
WP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$WP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" $K 2>"$T_TMP/wh.log" &
WPID=$!
trap 'kill $APID $WPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
U="https://localhost:$WP"
CURL="curl -s --cacert $C/root.pem"
wait_for $CURL -f "$U/healthz"
is "$($CURL -o /dev/null -w '%{http_code}' "$U/readyz")" 503 "/readyz is 503 until the first list of ServiceAccounts answers"
WAIT_S=20 wait_for $CURL -f "$U/readyz"
is "$($CURL "$U/readyz")" "ready" "then ready"

review() { # UID SERVICEACCOUNT
	printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"apps","operation":"CREATE","object":{"metadata":{"name":"p"},"spec":{"serviceAccountName":"%s","containers":[{"name":"app","image":"busybox"}]}}}}' "$1" "$2"
}
post() { # UID SA OUTFILE: the answer, then " TIME" on the last line
	review "$1" "$2" | $CURL -m 20 -w '\n%{time_total}' -H 'Content-Type: application/json' --data-binary @- "$U/mutate" >"$3"
}
role_of() { # FILE: the AWS_ROLE_ARN the answer's patch sets, or "-"
	head -n 1 "$1" | /usr/bin/python3 -c '
import base64, json, sys
r = json.load(sys.stdin)["response"]
ops = json.loads(base64.b64decode(r["patch"])) if "patch" in r else []
env = {e["name"]: e["value"] for o in ops if o["path"].endswith("/env") for e in o["value"]}
print(env.get("AWS_ROLE_ARN", "-"))' 2>/dev/null || echo "-"
}
# Four at once, with /healthz asked meanwhile: answers from the copy, and from lookups.
concurrent() { # SA...
	: >"$T_TMP/times"
	for n in "$@"; do post "r-$n" "$n" "$T_TMP/out-$n" & done
	$CURL -o /dev/null -w '%{time_total}\n' "$U/healthz" >"$T_TMP/healthz.t"
	wait_jobs=$(jobs -p | grep -v "^$WPID$" | grep -v "^$APID$")
	for j in $wait_jobs; do wait "$j"; done
}
concurrent a1 a2 a3 a4
for n in a1 a2 a3 a4; do
	t=$(tail -n 1 "$T_TMP/out-$n")
	is "$(role_of "$T_TMP/out-$n")" "arn:aws:iam::123456789012:role/$n" "watched ServiceAccount $n: the pod gets its role"
	ok "  answered within 3.5 s of an API that takes 2 s (took $t s)" awk -v t="$t" 'BEGIN { exit !(t < 3.5) }'
done
t=$(cat "$T_TMP/healthz.t")
ok "/healthz answered within 1 s meanwhile (took $t s)" awk -v t="$t" 'BEGIN { exit !(t < 1) }'
ok "no ServiceAccount was asked of the API one by one" sh -c "! grep -q 'serviceaccounts/a' '$T_TMP/api.log'"
concurrent m1 m2 m3 m4
for n in m1 m2 m3 m4; do
	t=$(tail -n 1 "$T_TMP/out-$n")
	is "$(role_of "$T_TMP/out-$n")" "arn:aws:iam::123456789012:role/$n" "ServiceAccount $n, not in the copy: looked up, the pod gets its role"
	ok "  answered within 3.5 s, the four lookups side by side (took $t s)" awk -v t="$t" 'BEGIN { exit !(t < 3.5) }'
done
t=$(cat "$T_TMP/healthz.t")
ok "/healthz answered within 1 s while four lookups waited on the API (took $t s)" awk -v t="$t" 'BEGIN { exit !(t < 1) }'

# A ServiceAccount made after the start comes through the watch.
before=$($CURL "$U/metrics" | sed -n 's/^saoidc_webhook_sa_cache_size //p')
sa late
wait_for sh -c "$CURL '$U/metrics' | grep -qx 'saoidc_webhook_sa_cache_size $((before + 1))'"
is "$($CURL "$U/metrics" | sed -n 's/^saoidc_webhook_sa_cache_size //p')" "$((before + 1))" "a ServiceAccount made after the start is in the copy, through the watch"
post r-late late "$T_TMP/out-late"
is "$(role_of "$T_TMP/out-late")" "arn:aws:iam::123456789012:role/late" "and its pods get their role"
ok "without a GET of it" sh -c "! grep -q 'serviceaccounts/late' '$T_TMP/api.log'"
# Its annotation removed: the watch says so too.
printf '{"metadata":{"name":"late"}}\n' >"$D/serviceaccounts_apps_late.json"
wait_for sh -c "$CURL '$U/metrics' | grep -q 'saoidc_webhook_sa_last_event_age_seconds 0'"
i=0
while [ $i -lt 50 ]; do
	post r-late2 late "$T_TMP/out-late2"
	[ "$(role_of "$T_TMP/out-late2")" = "-" ] && break
	i=$((i + 1))
done
is "$(role_of "$T_TMP/out-late2")" "-" "the annotation removed: pods are no longer given the role (MODIFIED event)"

# An answer that is not a ServiceAccount: the pod is admitted without identity, with a
# warning, and nothing is remembered: once the API answers right, the role is there.
echo 0 >"$D/serviceaccounts_apps_bad.delay"
printf 'this is not JSON' >"$D/serviceaccounts_apps_bad.json"
post r-bad1 bad "$T_TMP/out-bad1"
is "$(role_of "$T_TMP/out-bad1")" "-" "an answer that is not JSON: no identity"
contains "$(head -n 1 "$T_TMP/out-bad1")" "is not a ServiceAccount" "with a warning saying why"
contains "$(cat "$T_TMP/wh.log")" "is not a ServiceAccount" "logged"
sa bad
post r-bad2 bad "$T_TMP/out-bad2"
is "$(role_of "$T_TMP/out-bad2")" "arn:aws:iam::123456789012:role/bad" "it was not cached as \"no annotations\": the next review gets the role"
M=$($CURL "$U/metrics")
contains "$M" 'saoidc_webhook_sa_lookups_total{outcome="failed"} 1' "/metrics counts the failed lookup"
contains "$M" 'saoidc_webhook_sa_lookups_total{outcome="found"} 5' "and the five found by a GET"
kill $WPID
wait $WPID
is "$?" 0 "the webhook stops cleanly"
done_testing
