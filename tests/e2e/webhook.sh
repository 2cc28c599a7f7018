#!/bin/sh
# saoidc webhook: recorded AdmissionReview fixtures (tests/data/admission/cases.json) posted over
# HTTPS; the returned JSON Patch applied by python3-jsonpatch must give the expected Pod; the
# ServiceAccounts come from a local API server stand-in; malformed reviews allowed or denied.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
/usr/bin/python3 -c 'import jsonpatch' 2>/dev/null || skip_all "python3-jsonpatch is not installed"
C="$T_TMP/pki"
make_chain "$C" localhost
D="$T_TMP/api"
mkdir -p "$D"
printf 'webhook-sa-token\n' >"$T_TMP/token"
start_apiserver "$C" "$D" webhook-sa-token
K="--kube-api https://127.0.0.1:$AP --kube-token-file $T_TMP/token --kube-ca $C/root.pem"
WP=$(free_port); DP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$WP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" $K --region eu-west-1 --azure-tenant-id tenant-default --sa-cache-seconds 0 2>"$T_TMP/wh.log" &
WPID=$!
"$SAOIDC" webhook --listen "127.0.0.1:$DP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" $K --deny-malformed 2>"$T_TMP/wh2.log" &
W2PID=$!
trap 'kill $APID $WPID $W2PID 2>/dev/null; rm -rf "$T_TMP"' EXIT
wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$WP/healthz"
wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$DP/healthz"
tap_lines() { while read -r verdict msg; do if [ "$verdict" = PASS ]; then pass "$msg"; else fail "$msg"; fi; done; }
/usr/bin/python3 "$HERE/webhook_check.py" "$SRCDIR/tests/data/admission/cases.json" "$D" "https://localhost:$WP/mutate" "$C/root.pem" >"$T_TMP/check.out" 2>&1
tap_lines <"$T_TMP/check.out"
ok "the checker ran every case" test "$(grep -c '' "$T_TMP/check.out")" -ge 25
contains "$(cat "$T_TMP/wh.log")" "malformed AdmissionReview" "malformed reviews are logged"
/usr/bin/python3 "$HERE/webhook_check.py" "$SRCDIR/tests/data/admission/cases.json" "$D" "https://localhost:$DP/mutate" "$C/root.pem" --deny-malformed >"$T_TMP/deny.out" 2>&1
tap_lines <"$T_TMP/deny.out"
# A slow API server: the ServiceAccount lookup gives up well before the admission timeout and
# the pod is admitted unchanged, with a warning kubectl shows.
# (the .delay first: without it the stand-in lists and watches the ServiceAccount)
echo 6 >"$D/serviceaccounts_apps_slow.delay"
cp "$D/serviceaccounts_apps_sa-1.json" "$D/serviceaccounts_apps_slow.json"
review() { # UID NAMESPACE SERVICEACCOUNT
	printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"%s","operation":"CREATE","object":{"metadata":{"name":"p"},"spec":{"serviceAccountName":"%s","containers":[{"name":"app","image":"busybox"}]}}}}' "$1" "$2" "$3"
}
out=$(review slow apps slow | curl -s -w ' %{time_total}' --cacert "$C/root.pem" -H 'Content-Type: application/json' --data-binary @- "https://localhost:$WP/mutate")
t=${out##* }
ok "a ServiceAccount the API takes 6 s to give: answered in about 3 s (took $t s)" awk -v t="$t" 'BEGIN { exit !(t >= 2.5 && t < 4.5) }'
is "$(printf %s "${out% *}" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["response"]; print(r["allowed"], "patch" in r, "could not be read" in r["warnings"][0])')" \
	"True False True" "admitted unchanged, with a warning in the response"
contains "$(printf %s "${out% *}")" "no complete answer within the time limit" "the warning says what failed"
contains "$(cat "$T_TMP/wh.log")" "admitted without a cloud identity" "and in the log"
metrics=$(curl -s --cacert "$C/root.pem" "https://localhost:$WP/metrics")
contains "$metrics" "saoidc_webhook_sa_lookup_failures_total 1" "and counted in /metrics"
printf '%s\n' "$metrics" >"$T_TMP/metrics.txt"
ok "/metrics counts mutated reviews" grep -Eq 'saoidc_webhook_reviews_total[{]outcome="mutated"[}] [1-9]' "$T_TMP/metrics.txt"
ok "/metrics counts the TLS front's handshakes" grep -Eq 'saoidc_tls_handshakes_total[{]result="ok"[}] [1-9]' "$T_TMP/metrics.txt"
# Names that are not Kubernetes names never reach the API's URL.
for bad in "a/../../secrets/x" "UPPER" "a%2fb" "-lead"; do
	out=$(review "bad" apps "$bad" | curl -s --cacert "$C/root.pem" -H 'Content-Type: application/json' --data-binary @- "https://localhost:$WP/mutate")
	is "$(printf %s "$out" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["response"]; print(r["allowed"], "serviceAccountName a DNS-1123 subdomain" in r["status"]["message"])')" \
		"False True" "serviceAccountName \"$bad\" is refused with a clear message"
done
ok "and none of them was asked of the API server" sh -c "! grep -q 'secrets/x\|UPPER\|a%2fb\|-lead' '$T_TMP/api.log'"
# Cluster-wide defaults (EKS's flags) and a bare role name composed in the region's partition.
printf '{"metadata":{"annotations":{"eks.amazonaws.com/role-arn":"teams/app-role"}}}\n' >"$D/serviceaccounts_apps_bare.json"
XP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$XP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" $K --region cn-north-1 \
	--role-account 123456789012 --token-audience sts.amazonaws.com.cn --token-expiration 7200 --sts-regional-endpoint \
	--token-mount-path /var/run/secrets/aws 2>"$T_TMP/wh3.log" &
X3=$!
wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$XP/healthz"
out=$(review bare apps bare | curl -s --cacert "$C/root.pem" -H 'Content-Type: application/json' --data-binary @- "https://localhost:$XP/mutate")
is "$(printf %s "$out" | /usr/bin/python3 -c '
import base64, json, sys
r = json.load(sys.stdin)["response"]
ops = json.loads(base64.b64decode(r["patch"]))
vol = [o for o in ops if o["path"] == "/spec/volumes"][0]["value"][0]["projected"]["sources"][0]["serviceAccountToken"]
env = {e["name"]: e["value"] for o in ops if o["path"].endswith("/env") for e in o["value"]}
mnt = [o for o in ops if o["path"].endswith("/volumeMounts")][0]["value"][0]["mountPath"]
print(env["AWS_ROLE_ARN"], vol["audience"], vol["expirationSeconds"], env["AWS_STS_REGIONAL_ENDPOINTS"], mnt, env["AWS_WEB_IDENTITY_TOKEN_FILE"])')" \
	"arn:aws-cn:iam::123456789012:role/teams/app-role sts.amazonaws.com.cn 7200 regional /var/run/secrets/aws /var/run/secrets/aws/token" \
	"--role-account composes a bare role name in the region's partition; --token-audience, --token-expiration, --sts-regional-endpoint, --token-mount-path"
# An IAM path of 512 characters and a 64-character name: the composed ARN is whole (it was
# cut at 600 bytes, naming another role).
LONGP=$(/usr/bin/python3 -c 'print("/".join(["p" * 63] * 8) + "/" + "n" * 64)')
printf '{"metadata":{"annotations":{"eks.amazonaws.com/role-arn":"%s"}}}\n' "$LONGP" >"$D/serviceaccounts_apps_longpath.json"
out=$(review longpath apps longpath | curl -s --cacert "$C/root.pem" -H 'Content-Type: application/json' --data-binary @- "https://localhost:$XP/mutate")
is "$(printf %s "$out" | /usr/bin/python3 -c '
import base64, json, sys
r = json.load(sys.stdin)["response"]
ops = json.loads(base64.b64decode(r["patch"]))
print({e["name"]: e["value"] for o in ops if o["path"].endswith("/env") for e in o["value"]}["AWS_ROLE_ARN"])')" \
	"arn:aws-cn:iam::123456789012:role/$LONGP" "a bare role name with a long IAM path is composed whole ($(printf %s "$LONGP" | wc -c) characters)"
kill $X3; wait $X3 2>/dev/null
# --watch-config-map: ServiceAccounts configured in EKS's pod-identity-webhook ConfigMap (field
# names in any case, as Go reads them); an annotated ServiceAccount still wins.
printf '{"metadata":{"name":"plain"}}\n' >"$D/serviceaccounts_apps_plain.json"
/usr/bin/python3 -c '
import json, sys
cfg = {"apps/plain": {"roleArn": "arn:aws:iam::123456789012:role/from-cm", "Audience": "aud-cm", "UseRegionalSTS": True, "TokenExpiration": 3600},
       "apps/sa-1": {"RoleARN": "arn:aws:iam::123456789012:role/not-this"}}
json.dump({"metadata": {"name": "pod-identity-webhook", "namespace": "hooks"}, "data": {"config": json.dumps(cfg)}}, open(sys.argv[1], "w"))' "$D/configmaps_hooks_pod-identity-webhook.json"
XP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$XP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" $K --watch-config-map \
	--config-map-namespace hooks --sa-cache-seconds 0 2>"$T_TMP/wh4.log" &
X4=$!
wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$XP/healthz"
cm_env() { review "$1" apps "$1" | curl -s --cacert "$C/root.pem" -H 'Content-Type: application/json' --data-binary @- "https://localhost:$XP/mutate" |
	/usr/bin/python3 -c '
import base64, json, sys
r = json.load(sys.stdin)["response"]
ops = json.loads(base64.b64decode(r["patch"])) if "patch" in r else []
env = {e["name"]: e["value"] for o in ops if o["path"].endswith("/env") for e in o["value"]}
vol = [o["value"][0]["projected"]["sources"][0]["serviceAccountToken"] for o in ops if o["path"] == "/spec/volumes"]
print(env.get("AWS_ROLE_ARN", "-").split("/")[-1], env.get("AWS_STS_REGIONAL_ENDPOINTS", "-"), vol[0]["audience"] if vol else "-", vol[0]["expirationSeconds"] if vol else "-")'; }
is "$(cm_env plain)" "from-cm regional aud-cm 3600" "--watch-config-map: a ServiceAccount from the ConfigMap (role, regional STS, audience, expiration)"
is "$(cm_env sa-1)" "app - sts.amazonaws.com 86400" "an annotated ServiceAccount wins over the ConfigMap"
kill $X4; wait $X4 2>/dev/null
# /readyz follows the API server.
is "$(curl -s --cacert "$C/root.pem" "https://localhost:$WP/readyz")" "ready" "/readyz: ready while the API server answers"
XP=$(free_port)
"$SAOIDC" webhook --listen "127.0.0.1:$XP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --kube-api "https://127.0.0.1:$(free_port)" \
	--kube-token-file "$T_TMP/token" --kube-ca "$C/root.pem" 2>"$T_TMP/wh5.log" &
X5=$!
wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$XP/healthz"
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/root.pem" "https://localhost:$XP/readyz")" 503 "/readyz: 503 while the API server cannot be reached (/healthz stays 200)"
contains "$(curl -s --cacert "$C/root.pem" "https://localhost:$XP/readyz")" "not ready: the Kubernetes API cannot be reached: " "saying why"
# With the API down, a lookup fails at once: reviews are answered at once (no identity, a warning),
# one after another, none left waiting.
n_ok=0
for i in 1 2 3 4 5 6 7 8; do
	out=$(review "down$i" apps "sa-down-$i" | curl -s -m 3 --cacert "$C/root.pem" -H 'Content-Type: application/json' --data-binary @- "https://localhost:$XP/mutate")
	case "$out" in *"could not be read"*) n_ok=$((n_ok + 1)) ;; esac
done
is "$n_ok" 8 "with the API down, 8 reviews in a row are each answered within 3 s, without identity, saying why"
kill $X5; wait $X5 2>/dev/null
refused "webhook --region eu-wset-1 (every pod's AWS_REGION) is refused, suggesting eu-west-1" 1 "did you mean eu-west-1?" "$SAOIDC" webhook --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --region eu-wset-1
refused "--role-account takes an account ID" 2 "12-digit" "$SAOIDC" webhook --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --role-account 12
refused "--token-expiration is bounded" 2 "600 to 86400" "$SAOIDC" webhook --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --token-expiration 60
refused "webhook without TLS is refused" 2 "required" "$SAOIDC" webhook --listen 127.0.0.1:1
refused "--sa-cache-seconds abc is a usage error (it was taken as 0)" 2 "whole seconds" "$SAOIDC" webhook --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --sa-cache-seconds abc
refused "--sa-namespace takes a namespace name" 2 "namespace name" "$SAOIDC" webhook --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" --sa-namespace 'a/b'
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/root.pem" "https://localhost:$WP/mutate")" 405 "GET /mutate is 405"
for i in 1 2 3 4 5; do kill -HUP $WPID; done
ok "SIGHUP does not stop the webhook (it reads the ConfigMap again)" wait_for curl -sf --cacert "$C/root.pem" "https://localhost:$WP/healthz"
ok "  the process is still there" kill -0 $WPID
kill $WPID; wait $WPID
is "$?" 0 "the webhook stops cleanly on SIGTERM"
# The shipped Deployment listens on [::]:8443: the API server and the kubelet's probes reach it
# over IPv4 on most clusters (libmicrohttpd alone made an IPv6-only socket of it).
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	# (a port can be taken between the probe and the bind by another test's client: up to three)
	for attempt in 1 2 3; do
		XP=$(free_port any)
		"$SAOIDC" webhook --listen "[::]:$XP" --tls-cert "$C/chain.pem" --tls-key "$C/leaf.key" $K 2>"$T_TMP/wh6.log" &
		X6=$!
		wait_for curl -sf --cacert "$C/root.pem" -o /dev/null "https://localhost:$XP/healthz" --resolve "localhost:$XP:127.0.0.1" && break
		kill -0 $X6 2>/dev/null && break # up but not answering on IPv4: the failure to report
		sed 's/^/# attempt '"$attempt"': /' "$T_TMP/wh6.log"
	done
	ok "--listen [::]:PORT (the Deployment's) answers on IPv4" curl -sf --cacert "$C/root.pem" -o /dev/null "https://localhost:$XP/healthz" --resolve "localhost:$XP:127.0.0.1"
	ok "  and on IPv6" curl -sf --cacert "$C/root.pem" -o /dev/null "https://localhost:$XP/healthz" --resolve "localhost:$XP:[::1]"
	kill $X6 2>/dev/null; wait $X6 2>/dev/null
else
	skip "--listen [::]:PORT (the Deployment's) answers on IPv4" "no IPv6 loopback"
	skip "  and on IPv6" "no IPv6 loopback"
fi
done_testing
