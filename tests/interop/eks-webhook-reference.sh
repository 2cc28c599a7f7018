#!/bin/sh
# The EKS pod identity webhook's own handler test pods (amazon-eks-pod-identity-webhook
# pkg/handler/testdata, from ../shared/peer-data when it is there) through `saoidc webhook`: each
# mutated pod must equal the one EKS's expected patch gives, env and volume order included.
# Optional: skipped where the data is absent.
. "$SRCDIR/tests/lib.sh"
R="$SRCDIR/../shared/peer-data/eks-pod-identity-webhook/testdata"
[ -d "$R" ] || skip_all "../shared/peer-data/eks-pod-identity-webhook is not here"
/usr/bin/python3 -c 'import jsonpatch, yaml' 2>/dev/null || skip_all "python3-jsonpatch or python3-yaml is not installed"
HERE="$SRCDIR/tests/interop"
C="$T_TMP/pki"
make_chain "$C" localhost
D="$T_TMP/api"
mkdir -p "$D"
printf 'webhook-sa-token\n' >"$T_TMP/token"
start_apiserver "$C" "$D" webhook-sa-token
trap 'kill $APID 2>/dev/null; rm -rf "$T_TMP"' EXIT
/usr/bin/python3 "$HERE/eks_webhook_check.py" "$R" "$SAOIDC" "$C/root.pem" "$C/chain.pem" "$C/leaf.key" "$D" \
	--kube-api "https://127.0.0.1:$AP" --kube-token-file "$T_TMP/token" --kube-ca "$C/root.pem" >"$T_TMP/check.out" 2>&1
while read -r verdict msg; do if [ "$verdict" = PASS ]; then pass "$msg"; else fail "$msg"; fi; done <"$T_TMP/check.out"
is "$(grep -c '' "$T_TMP/check.out")" "$(ls "$R"/*.pod.yaml | wc -l)" "every reference pod ran ($(ls "$R"/*.pod.yaml | wc -l) outside container credentials)"
done_testing
