#!/bin/sh
# Every refused input: exit 1, a message naming the file and the reason, nothing on stdout,
# and no output written by render.
. "$SRCDIR/tests/lib.sh"
B="$T_TMP/bad"
mkdir -p "$B"
: >"$B/empty.pem"
printf '\n \n' >"$B/blank.pem"
{ printf "\001"; head -c 4095 /dev/urandom | tr -d "\055"; } >"$B/noise.bin" # never starts like JSON ({) or PEM (-)
printf 'not a key at all\n' >"$B/text.pem"
head -n 4 "$KEYS/demo-rsa.pub" >"$B/truncated.pem"
sed 's/^MII/MII%%/' "$KEYS/demo-rsa.pub" >"$B/badbase64.pem"
sed 's/PUBLIC KEY/CERTIFICATE REQUEST/' "$KEYS/demo-rsa.pub" >"$B/wronglabel.pem"
sed 's/PUBLIC KEY/CERTIFICATE/' "$KEYS/demo-rsa.pub" >"$B/pubkey-as-cert.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$B/rsa1024.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$B/ed25519.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$B/secp256k1.pem"
openssl dsaparam -genkey -out "$B/dsa.pem" 2048 2>/dev/null
openssl pkey -in "$B/dsa.pem" -out "$B/dsa-pkcs8.pem"
openssl pkey -in "$KEYS/demo-ec256.key" -aes128 -passout pass:secret -out "$B/encrypted.pem"
openssl pkey -in "$KEYS/demo-rsa.key" -traditional -aes128 -passout pass:secret -out "$B/encrypted-trad.pem"
printf '{"kind":"Secret","metadata":{"name":"x"}}' >"$B/secret-nodata.json"
printf '{"kind":"Secret","metadata":{"name":"x"},"data":{"tls.crt":"%%%%"}}' >"$B/secret-badb64.json"
printf '{"kind":"List","items":[{"kind":"Secret","data":{"ca.crt":"eA=="}}]}' >"$B/list-nokey.json"
printf '{"kind":"Secret",' >"$B/json-truncated.json"
printf '{"keys":[]}' >"$B/a-jwks.json"
head -c 5000000 /dev/zero | tr '\0' 'A' >"$B/huge.pem"

check() { # FILE NEEDLE
	refused "$1: $2" 1 "$B/$1: " "$SAOIDC" render --issuer https://oidc.example.com --key "$B/$1" --out "$T_TMP/out-$1"
	contains "$ERR" "$2" "$1: the reason is given"
	ok "$1: nothing written" test ! -e "$T_TMP/out-$1"
}
check empty.pem "file is empty"
check blank.pem "only white space"
check noise.bin "not a key"
check text.pem "not a key"
check truncated.pem "malformed PEM"
check badbase64.pem "malformed PEM"
check wronglabel.pem "\"CERTIFICATE REQUEST\" is not a key"
check pubkey-as-cert.pem "malformed certificate"
check rsa1024.pem "1024 bits; at least 2048"
check ed25519.pem "Ed25519 keys are not supported"
check secp256k1.pem "curve secp256k1 is not supported"
check dsa.pem "DSA keys are not supported"
check dsa-pkcs8.pem "DSA keys are not supported"
check encrypted.pem "encrypted private keys are not supported"
check encrypted-trad.pem "encrypted private keys are not supported"
check secret-nodata.json "has no tls.crt"
check secret-badb64.json "is not valid base64"
check list-nokey.json "no Secret in the List"
check json-truncated.json "invalid JSON"
check a-jwks.json "this is a JWKS"
check huge.pem "too large"

refused "a missing file is named" 1 "$B/missing.pem: No such file" "$SAOIDC" jwks --key "$B/missing.pem"
mkdir "$T_TMP/emptydir"
refused "an empty directory is refused" 1 "directory has no key files" "$SAOIDC" jwks --key "$T_TMP/emptydir"
mkdir "$T_TMP/mixed" && cp "$KEYS/demo-rsa.pub" "$T_TMP/mixed/a.pub" && cp "$B/text.pem" "$T_TMP/mixed/b.txt"
refused "a directory with a bad file names that file" 1 "$T_TMP/mixed/b.txt: " "$SAOIDC" jwks --key "$T_TMP/mixed"
if [ "$(id -u)" -ne 0 ]; then
	cp "$KEYS/demo-rsa.pub" "$T_TMP/noread.pem" && chmod 000 "$T_TMP/noread.pem"
	refused "an unreadable file is named" 1 "Permission denied" "$SAOIDC" jwks --key "$T_TMP/noread.pem"
fi
refused "serve refuses a percent-encoded issuer path (it would answer 404 where it advertises)" 1 "percent-encoded" "$SAOIDC" serve --issuer 'http://127.0.0.1:9/team%20a' --key "$KEYS/demo-rsa.pub" --listen 127.0.0.1:0
mkfifo "$T_TMP/fifo.pem"
refused "a FIFO with no writer as key file fails at once, never hangs" 1 "fifo.pem" timeout 20 "$SAOIDC" jwks --key "$T_TMP/fifo.pem"
run sh -c "cat '$KEYS/demo-rsa.pub' | '$SAOIDC' jwks --key /dev/stdin"
contains "$OUT" '"kty":"RSA"' "a pipe with a writer is read (e.g. --key <(kubectl ...))"
# An issuer with a port: kube-apiserver accepts it, STS and IAM do not. Every command that
# publishes, serves or checks an issuer refuses it before doing anything; discovery (which prints
# kube-apiserver's own document) warns.
PI=https://oidc.example.com:8443/c
K1="--key $KEYS/demo-rsa.pub"
for c in "serve $K1" "render $K1 --out $T_TMP/port-out" "publish $K1 s3://bucket-1" "verify" "rotate-plan $K1" \
	"register --thumbprint none" "trust-policy aws --account 123456789012 --namespace a --service-account b" \
	"token verify --jwks /dev/null --token /dev/null"; do
	set -- $c
	refused "$1 refuses an issuer with a port, saying why" 1 "STS fetches issuers on port 443 only" "$SAOIDC" "$@" --issuer "$PI"
done
ok "and render wrote nothing" test ! -e "$T_TMP/port-out"
run "$SAOIDC" discovery $K1 --issuer "$PI"
is "$RC" 0 "discovery prints kube-apiserver's document for it"
contains "$ERR" "has a port (8443)" "with a warning"
run "$SAOIDC" discovery $K1 --issuer "https://127.0.0.1:8443/c"
is "$ERR" "" "a loopback issuer may have a port (tests), without a warning"
refused "--jwks-path under /.saoidc/ (the retention state's place) is refused" 1 "where saoidc keeps its retention state" \
	"$SAOIDC" render --issuer https://oidc.example.com/c --key "$KEYS/demo-rsa.pub" --jwks-path /.saoidc/retention.json --out "$T_TMP/saoidc-path"
ok "and nothing was written" test ! -e "$T_TMP/saoidc-path"
# A link below --out is never read or written through (it could lead outside DIR, or bring in
# another retention state's keys).
mkdir -p "$T_TMP/linkout" "$T_TMP/elsewhere-wk"
ln -s "$T_TMP/elsewhere-wk" "$T_TMP/linkout/.well-known"
refused "render through a symlinked DIR/.well-known is refused" 1 "linkout/.well-known is a symbolic link" \
	"$SAOIDC" render --issuer https://oidc.example.com/c --key "$KEYS/demo-rsa.pub" --out "$T_TMP/linkout"
ok "and nothing was written where it leads" test -z "$(ls -A "$T_TMP/elsewhere-wk")"
rm "$T_TMP/linkout/.well-known"
ln -s "$T_TMP/elsewhere-wk" "$T_TMP/linkout/.saoidc"
refused "render with a symlinked DIR/.saoidc (the retention state) is refused" 1 "linkout/.saoidc is a symbolic link" \
	"$SAOIDC" render --issuer https://oidc.example.com/c --key "$KEYS/demo-rsa.pub" --out "$T_TMP/linkout"
# A retention state that cannot be read is named as such.
mkdir -p "$T_TMP/bigstate/.saoidc"
head -c 5000000 /dev/zero >"$T_TMP/bigstate/.saoidc/retention.json"
refused "an oversized retention state is named, as a retention state" 1 "retention state $T_TMP/bigstate/.saoidc/retention.json: file is too large" \
	"$SAOIDC" render --issuer https://oidc.example.com/c --key "$KEYS/demo-rsa.pub" --out "$T_TMP/bigstate"
# Certificates are not signing keys: refused, naming them, unless --allow-certificate.
make_chain "$T_TMP/chain" localhost
refused "a CA certificate is refused" 1 "$T_TMP/chain/root.pem (a CA certificate)" "$SAOIDC" jwks --key "$T_TMP/chain/root.pem"
refused "a leaf certificate is refused too" 1 "$T_TMP/chain/leaf.pem (a certificate)" "$SAOIDC" jwks --key "$T_TMP/chain/leaf.pem"
openssl x509 -in "$T_TMP/chain/leaf.pem" -outform DER -out "$T_TMP/chain/leaf.der"
refused "a DER certificate is refused" 1 "leaf.der (a certificate)" "$SAOIDC" jwks --key "$T_TMP/chain/leaf.der"
run "$SAOIDC" jwks --key "$T_TMP/chain/root.pem" --allow-certificate
is "$RC" 0 "--allow-certificate publishes a certificate's key"
contains "$ERR" "is a CA certificate's, published because of --allow-certificate" "a CA certificate's with a warning"
# kubeadm's /etc/kubernetes/pki: CA, serving and client certificates beside sa.key and sa.pub.
P="$T_TMP/pki"
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -subj /CN=kubernetes -days 2 \
	-addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/front-proxy-ca.key" -out "$P/front-proxy-ca.crt" -subj /CN=front-proxy-ca -days 2 \
	-addext basicConstraints=critical,CA:TRUE 2>/dev/null
for leaf in apiserver apiserver-kubelet-client; do
	openssl req -newkey rsa:2048 -nodes -keyout "$P/$leaf.key" -out "$T_TMP/$leaf.csr" -subj "/CN=$leaf" 2>/dev/null
	openssl x509 -req -in "$T_TMP/$leaf.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 2 -out "$P/$leaf.crt" 2>/dev/null
done
rm -f "$P/ca.srl"
cp "$KEYS/demo-rsa.key" "$P/sa.key"
cp "$KEYS/demo-rsa.pub" "$P/sa.pub"
refused "render --key /etc/kubernetes/pki (kubeadm) is refused" 1 "refusing certificates as signing keys" \
	"$SAOIDC" render --issuer https://oidc.example.com/k --key "$P" --out "$T_TMP/pki-out"
for c in ca.crt front-proxy-ca.crt apiserver.crt apiserver-kubelet-client.crt; do
	contains "$ERR" "$P/$c (a" "naming $c"
done
contains "$ERR" "here that is probably $P/sa.key" "and pointing at sa.key, the service-account key"
ok "and nothing was written" test ! -e "$T_TMP/pki-out"
run "$SAOIDC" render --issuer https://oidc.example.com/k --key "$P/sa.pub" --out "$T_TMP/pki-out"
is "$RC $(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["keys"]))' "$T_TMP/pki-out/keys.json")" "0 1" "sa.pub alone publishes its one key"
# EKS Anywhere: kubectl get secrets -n eksa-system -o json (mgmt-ca, mgmt-etcd, mgmt-sa).
b64f() { base64 -w0 <"$1"; }
cat >"$T_TMP/eksa-list.json" <<EOF
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mgmt-ca", "namespace": "eksa-system"}, "type": "kubernetes.io/tls",
  "data": {"tls.crt": "$(b64f "$P/ca.crt")", "tls.key": "$(b64f "$P/ca.key")"}},
 {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mgmt-etcd", "namespace": "eksa-system"}, "type": "kubernetes.io/tls",
  "data": {"tls.crt": "$(b64f "$P/front-proxy-ca.crt")", "tls.key": "$(b64f "$P/front-proxy-ca.key")"}},
 {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mgmt-sa", "namespace": "eksa-system"}, "type": "kubernetes.io/tls",
  "data": {"tls.crt": "$(b64f "$KEYS/demo-rsa.pub")", "tls.key": "$(b64f "$KEYS/demo-rsa.key")"}}
]}
EOF
eksa_render() { "$SAOIDC" render --issuer https://oidc.example.com/m --key - --out "$T_TMP/eksa-out" <"$T_TMP/eksa-list.json"; }
refused "an EKS Anywhere Secret List with mgmt-ca and mgmt-etcd is refused as a whole" 1 "eksa-system/mgmt-ca, tls.crt) (a CA certificate)" eksa_render
contains "$ERR" "eksa-system/mgmt-etcd, tls.crt) (a CA certificate)" "naming mgmt-etcd too"
contains "$ERR" "here that is probably <stdin> (secret eksa-system/mgmt-sa, tls.crt)" "and mgmt-sa as the service-account key"
ok "and nothing was written" test ! -e "$T_TMP/eksa-out"
# A Secret as `kubectl get secret -o yaml` prints it reads as the JSON one does.
kubectl_yaml() { # NAME FILE: a Secret in kubectl's YAML (written here as kubectl writes it)
	printf 'apiVersion: v1\ndata:\n  tls.crt: %s\nkind: Secret\nmetadata:\n  name: %s\n  namespace: eksa-system\ntype: Opaque\n' \
		"$(base64 -w0 "$2")" "$1"
}
kubectl_yaml mgmt-sa "$KEYS/demo-rsa.pub" >"$T_TMP/secret.yaml"
is "$("$SAOIDC" jwks --key "$T_TMP/secret.yaml")" "$("$SAOIDC" jwks --key "$KEYS/demo-eksa-sa-secret.json")" "a Secret in YAML gives the same JWKS as in JSON"
contains "$("$SAOIDC" inspect --key "$T_TMP/secret.yaml")" "(secret eksa-system/mgmt-sa, tls.crt)" "and names the Secret and the entry"
if command -v kubectl >/dev/null 2>&1; then
	kubectl create secret generic mgmt-sa --from-file=tls.crt="$KEYS/demo-rsa.pub" --dry-run=client -o yaml >"$T_TMP/kubectl.yaml"
	is "$("$SAOIDC" jwks --key "$T_TMP/kubectl.yaml")" "$("$SAOIDC" jwks --key "$KEYS/demo-rsa.pub")" "kubectl's own -o yaml output reads"
else
	skip "kubectl's own -o yaml output reads" "kubectl is not installed"
fi
printf 'apiVersion: v1\nkind: Secret\ndata: &a\n  tls.crt: x\nother: *a\n' >"$T_TMP/alias.yaml"
refused "YAML anchors and aliases are refused (no expansion bombs)" 1 "anchors are not supported" "$SAOIDC" jwks --key "$T_TMP/alias.yaml"
printf 'apiVersion: v1\nkind: Secret\n---\napiVersion: v1\nkind: Secret\n' >"$T_TMP/two.yaml"
refused "two YAML documents are refused" 1 "more than one YAML document" "$SAOIDC" jwks --key "$T_TMP/two.yaml"
printf 'apiVersion: v1\nkind: Secret\ndata:\n  tls.crt: [unclosed\n' >"$T_TMP/broken.yaml"
refused "broken YAML names the line" 1 "YAML line" "$SAOIDC" jwks --key "$T_TMP/broken.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\n' >"$T_TMP/cm.yaml"
refused "a YAML object that is not a Secret says what it is" 1 "YAML is not a Kubernetes Secret or List (kind is \"ConfigMap\")" "$SAOIDC" jwks --key "$T_TMP/cm.yaml"
done_testing
