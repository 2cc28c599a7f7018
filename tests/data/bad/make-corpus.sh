#!/bin/sh
# Regenerates the bad-input corpus: files saoidc must refuse, each with the reason it must give
# (EXPECTED: "FILE<TAB>text the message must contain"). Run from anywhere; needs openssl.
# The files are checked in; the 100 MB file and unreadable directories are made by the test.
set -eu
cd "$(dirname "$0")"
K=../../../keys
rm -f ./*.pem ./*.der ./*.bin ./*.json ./*.txt EXPECTED
e() { printf '%s\t%s\n' "$1" "$2" >>EXPECTED; }
b64() { base64 -w0 "$1"; }

: >empty.pem; e empty.pem "file is empty"
printf ' \n\t\n' >whitespace.pem; e whitespace.pem "only white space"
head -c 4096 /dev/urandom | tr -d '\055\173' >noise-4k.bin; e noise-4k.bin "not a key"
head -c 64 /dev/urandom | tr -d '\055\173\060' >noise-64.bin; e noise-64.bin "not a key"
printf 'hello, this is not a key\n' >text.txt; e text.txt "not a key"
printf 'A\000B\000C' >nul-bytes.bin; e nul-bytes.bin "not a key"
head -n 4 $K/demo-rsa.pub >truncated-pub.pem; e truncated-pub.pem "malformed PEM"
head -n 10 $K/demo-rsa.key >truncated-priv.pem; e truncated-priv.pem "malformed PEM"
printf -- '-----BEGIN PUB\n' >truncated-header.pem; e truncated-header.pem "malformed PEM: no complete block"
sed '2s/^.\{10\}/%%%%%%%%%%/' $K/demo-rsa.pub >bad-base64.pem; e bad-base64.pem "malformed PEM"
sed '3s/A/*/g' $K/demo-ec256.key >bad-base64-2.pem; e bad-base64-2.pem "malformed"
sed 's/PUBLIC KEY/CERTIFICATE REQUEST/' $K/demo-rsa.pub >wrong-label-csr.pem; e wrong-label-csr.pem '"CERTIFICATE REQUEST" is not a key'
sed 's/PUBLIC KEY/FOO BAR/' $K/demo-rsa.pub >wrong-label-foo.pem; e wrong-label-foo.pem '"FOO BAR" is not a key'
sed 's/PUBLIC KEY/CERTIFICATE/' $K/demo-rsa.pub >pubkey-labelled-cert.pem; e pubkey-labelled-cert.pem "malformed certificate"
openssl req -x509 -key $K/demo-ec256.key -subj /CN=x -days 1 2>/dev/null | sed 's/CERTIFICATE/PUBLIC KEY/' >cert-labelled-pubkey.pem; e cert-labelled-pubkey.pem "malformed PUBLIC KEY"
sed '$s/END PUBLIC KEY/END PRIVATE KEY/' $K/demo-rsa.pub >mismatched-end.pem; e mismatched-end.pem "malformed PEM"
openssl pkey -in $K/demo-ec256.key -aes128 -passout pass:x -out encrypted-pkcs8.pem; e encrypted-pkcs8.pem "encrypted private keys are not supported"
openssl pkey -in $K/demo-rsa.key -traditional -aes128 -passout pass:x -out encrypted-traditional.pem; e encrypted-traditional.pem "encrypted private keys are not supported"
openssl dsaparam -genkey -out dsa.pem 1024 2>/dev/null; e dsa.pem "DSA keys are not supported"
openssl pkey -in dsa.pem -out dsa-pkcs8.pem; e dsa-pkcs8.pem "DSA keys are not supported"
openssl pkey -in dsa.pem -pubout -out dsa-pub.pem; e dsa-pub.pem "DSA keys are not supported"
openssl genpkey -algorithm ED25519 -out ed25519.pem; e ed25519.pem "Ed25519 keys are not supported"
openssl pkey -in ed25519.pem -pubout -out ed25519-pub.pem; e ed25519-pub.pem "Ed25519 keys are not supported"
openssl genpkey -algorithm ED448 -out ed448.pem; e ed448.pem "Ed448 keys are not supported"
openssl genpkey -algorithm X25519 -out x25519.pem; e x25519.pem "X25519 keys are not supported"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa-1024.pem 2>/dev/null; e rsa-1024.pem "1024 bits; at least 2048"
openssl pkey -in rsa-1024.pem -pubout -out rsa-1024-pub.pem; e rsa-1024-pub.pem "1024 bits; at least 2048"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out rsa-512.pem 2>/dev/null; e rsa-512.pem "512 bits; at least 2048"
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsa-pss.pem 2>/dev/null; e rsa-pss.pem "RSA-PSS keys"
for c in secp256k1 secp224r1 brainpoolP256r1 prime192v1; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$c -out ec-$c.pem; e ec-$c.pem "curve $c is not supported"
done
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUx\n-----END OPENSSH PRIVATE KEY-----\n' >openssh.pem; e openssh.pem "OpenSSH key format is not supported"
printf '\060\202\001\042\001\002\003' >der-garbage.der; e der-garbage.der "DER data is not a public key"
openssl pkey -in $K/demo-rsa.pub -pubin -outform DER | head -c 100 >der-truncated.der; e der-truncated.der "DER data is not a public key"
openssl pkey -in ed25519.pem -pubout -outform DER -out der-ed25519.der; e der-ed25519.der "Ed25519 keys are not supported"
printf '\357\273\277' | cat - $K/demo-rsa.pub | sed '1s/-----BEGIN/X-----BEGIN/' >bom-header.pem; e bom-header.pem "malformed PEM"
printf -- '-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n' >cert-garbage.pem; e cert-garbage.pem "malformed certificate"
cat $K/demo-rsa.pub wrong-label-foo.pem >multi-one-bad.pem; e multi-one-bad.pem '"FOO BAR" is not a key'
cat $K/demo-rsa.pub rsa-1024-pub.pem >multi-second-weak.pem; e multi-second-weak.pem "1024 bits"
printf '{"kind":"Secret","metadata":{"name":"n","namespace":"ns"}}' >secret-no-data.json; e secret-no-data.json "secret ns/n has no tls.crt"
printf '{"kind":"Secret","metadata":{"name":"n"},"data":"x"}' >secret-data-not-object.json; e secret-data-not-object.json '"data" is not an object'
printf '{"kind":"Secret","metadata":{"name":"n"},"data":{"tls.crt":"@@@"}}' >secret-bad-base64.json; e secret-bad-base64.json 'data["tls.crt"] is not valid base64'
printf '{"kind":"Secret","metadata":{"name":"n"},"data":{"sa.pub":42}}' >secret-value-not-string.json; e secret-value-not-string.json 'data["sa.pub"] is not a string'
printf '{"kind":"Secret","metadata":{"name":"n"},"data":{}}' >secret-empty-data.json; e secret-empty-data.json "has no tls.crt"
printf '{"kind":"Secret","metadata":{"name":"n"},"data":{"tls.crt":"aGVsbG8="}}' >secret-value-not-key.json; e secret-value-not-key.json "tls.crt): not a key"
printf '{"kind":"Secret","metadata":{"name":"weak"},"data":{"tls.key":"%s"}}' "$(b64 rsa-1024.pem)" >secret-rsa1024.json; e secret-rsa1024.json "1024 bits"
printf '{"kind":"Secret","metadata":{"name":"n"},"data":{"tls.crt":"%s"}}' "$(b64 ed25519-pub.pem)" >secret-ed25519.json; e secret-ed25519.json "Ed25519 keys are not supported"
printf '{"kind":"List"}' >list-no-items.json; e list-no-items.json 'no "items" array'
printf '{"kind":"List","items":[{"kind":"Secret","data":{"ca.crt":"eA=="}},{"kind":"ConfigMap"}]}' >list-no-usable.json; e list-no-usable.json "no Secret in the List"
printf '{"kind":"List","items":[]}' >list-empty.json; e list-empty.json "no Secret in the List"
printf '{"apiVersion":"v1","kind":"ConfigMap","data":{"tls.crt":"x"}}' >configmap.json; e configmap.json 'not a Kubernetes Secret or List (kind is "ConfigMap")'
printf '{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}' >jwks.json; e jwks.json "this is a JWKS, not a signing key"
printf '[{"kind":"Secret"}]' >json-array.json; e json-array.json "JSON is not an object"
printf '{"kind":"Secret","data":{"tls.crt":' >json-truncated.json; e json-truncated.json "invalid JSON"
printf '{"kind":"Secret","kind":"List"}' >json-duplicate-keys.json; e json-duplicate-keys.json "invalid JSON"
printf '{"kind":"Secret","metadata":{"name":"n"},"data":{"tls.crt":"%s"}}' "$(b64 rsa-pss.pem)" >secret-rsa-pss.json; e secret-rsa-pss.json "RSA-PSS keys"
echo "$(wc -l <EXPECTED) files"
