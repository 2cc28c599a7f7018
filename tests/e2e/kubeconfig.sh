#!/bin/sh
# kube://NAMESPACE/SECRET outside a pod reads the API as kubectl does, from kubeconfig files:
# the current context or --context, KUBECONFIG with several files, the server's CA as data or
# a file, a token, a tokenFile, a client certificate and key (data or files), an exec
# credential plugin (token or client certificate). Each kubeconfig is first given to kubectl
# itself (get --raw of the same Secret) so the test can only pass where kubectl agrees.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
command -v kubectl >/dev/null 2>&1 || skip_all "kubectl is not installed"
C="$T_TMP/pki"
make_chain "$C" localhost
# A client CA and a client certificate, as kubeadm gives the admin.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T_TMP/client-ca.key" -out "$T_TMP/client-ca.pem" \
	-days 2 -subj "/CN=test client CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T_TMP/admin.key" -out "$T_TMP/admin.csr" -subj "/CN=kubernetes-admin/O=system:masters" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$T_TMP/client.ext"
openssl x509 -req -in "$T_TMP/admin.csr" -CA "$T_TMP/client-ca.pem" -CAkey "$T_TMP/client-ca.key" -CAcreateserial -days 2 \
	-extfile "$T_TMP/client.ext" -out "$T_TMP/admin.pem" 2>/dev/null
D="$T_TMP/api"
mkdir -p "$D"
cp "$KEYS/demo-eksa-sa-secret.json" "$D/eksa-system_mgmt-sa.json"
start_apiserver "$C" "$D" kubeconfig-token --client-ca "$T_TMP/client-ca.pem" --allow eksa-system/mgmt-sa
trap 'kill $APID 2>/dev/null; rm -rf "$T_TMP"' EXIT
b64() { base64 -w0 "$1"; }
WANT=$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")
printf 'kubeconfig-token\n' >"$T_TMP/token-file"
cat >"$T_TMP/exec-token.sh" <<'EOF2'
#!/bin/sh
# An exec credential plugin as `aws eks get-token` is one: ExecCredential on stdout.
[ -n "$KUBERNETES_EXEC_INFO" ] || exit 9
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$PLUGIN_TOKEN"
EOF2
cat >"$T_TMP/exec-cert.sh" <<EOF2
#!/bin/sh
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":open(sys.argv[1]).read(),"clientKeyData":open(sys.argv[2]).read()}}))' "$T_TMP/admin.pem" "$T_TMP/admin.key"
EOF2
chmod +x "$T_TMP/exec-token.sh" "$T_TMP/exec-cert.sh"
cluster_data="    server: https://localhost:$AP
    certificate-authority-data: $(b64 "$C/root.pem")"
cluster_file="    server: https://localhost:$AP
    certificate-authority: pki/root.pem"
kc() { # NAME CLUSTER-LINES USER-LINES: a one-context kubeconfig
	cat >"$T_TMP/$1.yaml" <<EOF2
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
$2
users:
- name: u
  user:
$3
contexts:
- name: ctx
  context:
    cluster: test
    user: u
current-context: ctx
EOF2
}
kc token "$cluster_data" "    token: kubeconfig-token"
kc tokenfile "$cluster_file" "    tokenFile: token-file"
kc certdata "$cluster_data" "    client-certificate-data: $(b64 "$T_TMP/admin.pem")
    client-key-data: $(b64 "$T_TMP/admin.key")"
kc certfiles "$cluster_file" "    client-certificate: admin.pem
    client-key: admin.key"
kc exectoken "$cluster_data" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $T_TMP/exec-token.sh
      env:
      - name: PLUGIN_TOKEN
        value: kubeconfig-token
      interactiveMode: Never"
kc execcert "$cluster_data" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $T_TMP/exec-cert.sh
      interactiveMode: Never"
for k in token tokenfile certdata certfiles exectoken execcert; do
	kubectl --kubeconfig "$T_TMP/$k.yaml" get --raw /api/v1/namespaces/eksa-system/secrets/mgmt-sa >"$T_TMP/kubectl.out" 2>&1
	ok "$k: kubectl itself reads the Secret with this kubeconfig" grep -q '"kind"' "$T_TMP/kubectl.out"
	run env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$T_TMP/$k.yaml" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa
	is "$OUT" "$WANT" "$k: saoidc reads it too ($(printf %s "$ERR" | head -c 200))"
done
# Several files and a context that is not the current one; --kubeconfig and --context.
cat >"$T_TMP/first.yaml" <<EOF2
apiVersion: v1
kind: Config
current-context: broken
contexts:
- name: broken
  context: {cluster: nowhere, user: u}
- name: good
  context: {cluster: test, user: u}
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
EOF2
sed -n '/^clusters:/,$p' "$T_TMP/token.yaml" | sed '/^contexts:/,$d' >"$T_TMP/second.yaml"
run env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$T_TMP/first.yaml:$T_TMP/second.yaml" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --context good
is "$OUT" "$WANT" "KUBECONFIG of two files, merged as kubectl does, with --context"
kubectl --kubeconfig "$T_TMP/first.yaml:$T_TMP/second.yaml" --context good get --raw /api/v1/namespaces/eksa-system/secrets/mgmt-sa >/dev/null 2>&1 || true
run env -u KUBERNETES_SERVICE_HOST -u KUBECONFIG "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --kubeconfig "$T_TMP/token.yaml"
is "$OUT" "$WANT" "--kubeconfig FILE"
refused "an unknown context is named" 1 "has no context nope" env -u KUBERNETES_SERVICE_HOST "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --kubeconfig "$T_TMP/token.yaml" --context nope
kc badtoken "$cluster_data" "    token: not-the-token"
refused "a wrong token names the kubeconfig and context" 1 "credentials of kubeconfig $T_TMP/badtoken.yaml, context ctx are not valid" env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$T_TMP/badtoken.yaml" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa
kc failexec "$cluster_data" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: false"
refused "a failing exec plugin is named" 1 "exec plugin false failed" env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$T_TMP/failexec.yaml" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa
# A plugin that prints without end: an error naming the bound, not a cut taken for a credential.
kc bigexec "$cluster_data" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: yes"
refused "an exec plugin printing more than 64 KiB is refused, named" 1 "exec plugin yes printed more than 65536 bytes" env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$T_TMP/bigexec.yaml" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa
# The kubeconfig's apiVersion reaches the plugin inside valid JSON, whatever it holds.
printf '#!/bin/sh\nprintf %%s "$KUBERNETES_EXEC_INFO" >"%s"\nexit 1\n' "$T_TMP/info.json" >"$T_TMP/info-plugin"
chmod +x "$T_TMP/info-plugin"
kc quoteexec "$cluster_data" "    exec:
      apiVersion: 'a\"b'
      command: $T_TMP/info-plugin"
run env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$T_TMP/quoteexec.yaml" "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa
is "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiVersion"])' "$T_TMP/info.json" 2>&1)" 'a"b' "KUBERNETES_EXEC_INFO stays JSON with a quote in apiVersion"
# A relative exec command is found next to the kubeconfig, as kubectl finds it, never in the
# working directory (which someone else may be able to write).
mkdir -p "$T_TMP/kc/bin" "$T_TMP/elsewhere/bin"
printf '#!/bin/sh\necho '"'"'%s'"'"'\n' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"kubeconfig-token"}}' >"$T_TMP/kc/bin/tok"
printf '#!/bin/sh\necho planted >"%s"\necho '"'"'%s'"'"'\n' "$T_TMP/planted-ran" '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"not-the-token"}}' >"$T_TMP/elsewhere/bin/tok"
chmod +x "$T_TMP/kc/bin/tok" "$T_TMP/elsewhere/bin/tok"
kc relexec "$cluster_data" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/tok"
mv "$T_TMP/relexec.yaml" "$T_TMP/kc/relexec.yaml"
run sh -c "cd '$T_TMP/elsewhere' && env -u KUBERNETES_SERVICE_HOST KUBECONFIG='$T_TMP/kc/relexec.yaml' '$SAOIDC' jwks --key kube://eksa-system/mgmt-sa"
is "$OUT" "$WANT" "exec command ./bin/tok runs from the kubeconfig's directory"
ok "and the one in the working directory never ran" test ! -e "$T_TMP/planted-ran"
run env -u KUBERNETES_SERVICE_HOST "$SAOIDC" jwks --key kube://eksa-system/mgmt-sa --kubeconfig "$T_TMP/no-such.yaml"
contains "$ERR" "kubeconfig $T_TMP/no-such.yaml: cannot open" "a --kubeconfig that cannot be read is named"
case "$ERR" in *"not in a pod"*) fail "and not called a missing kubeconfig" "$ERR" ;; *) pass "and not called a missing kubeconfig" ;; esac
ok "no token reached a message" sh -c "! grep -q 'kubeconfig-token' '$T_TMP/.stdout' '$T_TMP/.stderr'"
done_testing
