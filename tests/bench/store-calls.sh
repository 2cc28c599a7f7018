#!/bin/sh
# Benchmark (not part of make check): how many storage calls publishing costs on Azure Blob
# (Azurite, counted by a forwarding proxy) and Cloud Storage (the stand-in's log): a first run, a
# re-run with nothing changed, a key change, and ten re-runs of a fleet of 10 clusters sharing
# one issuer. Printed as a table of calls (reads + writes); the claims to check: a re-run writes
# nothing, and a key change writes the JWKS, the state and nothing more.
# usage: tests/bench/store-calls.sh [BUILD_DIR]
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
harness "${1:-}"
HERE="$TOP/tests/interop"
GO=/usr/share/gocode/src/google.golang.org/api/storage/v1/storage-gen.go
A="$TOP/keys/demo-rsa.key" B="$TOP/keys/demo-ec256.key"
PIDS=""
trap 'kill $PIDS 2>/dev/null; wait; rm -rf "$T_TMP"' EXIT
ACCT=devstoreaccount1
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AP=$(free_port)
"$HERE/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$AP" --location "$T_TMP/az" --silent \
	--skipApiVersionCheck --loose >"$T_TMP/az.out" 2>&1 &
PIDS="$PIDS $!"
WAIT_S=30 wait_for grep -q "successfully listens" "$T_TMP/az.out"
XP=$(free_port)
/usr/bin/python3 "$HERE/hold_proxy.py" --listen "$XP" --upstream "http://127.0.0.1:$AP" --log "$T_TMP/az.log" >"$T_TMP/x.out" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q listening "$T_TMP/x.out"
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$ACCT;AccountKey=$KEY;BlobEndpoint=http://127.0.0.1:$XP/$ACCT;"
(cd "$HERE" && node azblob.mjs create pub blob)
: >"$T_TMP/az.log"
make_chain "$T_TMP/pki" localhost
GP=$(free_port)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T_TMP/sa.pem" 2>/dev/null
/usr/bin/python3 -c 'import json,sys; print(json.dumps({"type": "service_account", "private_key_id": "k1", "private_key": open(sys.argv[1]).read(), "client_email": "p@x.iam.gserviceaccount.com", "token_uri": "https://127.0.0.1:%s/token" % sys.argv[2]}))' \
	"$T_TMP/sa.pem" "$GP" >"$T_TMP/sa.json"
/usr/bin/python3 "$HERE/gcs_standin.py" --listen "$GP" --cert "$T_TMP/pki/chain.pem" --key "$T_TMP/pki/leaf.key" --go-client "$GO" \
	--log "$T_TMP/gcs.log" --sa-key "$T_TMP/sa.json" --bucket pub:uniform-public >"$T_TMP/g.out" 2>&1 &
PIDS="$PIDS $!"
wait_for grep -q listening "$T_TMP/g.out"
export SSL_CERT_FILE="$T_TMP/pki/root.pem" STORAGE_EMULATOR_HOST="https://127.0.0.1:$GP" GOOGLE_APPLICATION_CREDENTIALS="$T_TMP/sa.json" NO_GCE_CHECK=true

# count LOG: "reads + writes = total" since the last count (the log is emptied)
count() {
	r=$(grep -vc '"method": "PUT"\|"method": "storage.objects.insert"\|oauth2.token' "$1" || true)
	w=$(grep -c '"method": "PUT"\|"method": "storage.objects.insert"' "$1" || true)
	: >"$1"
	echo "$r + $w = $((r + w))"
}
printf '%-8s %-22s %-22s %-22s %s\n' store "first run" "re-run" "key change" "fleet of 10: one re-run"
for st in azblob gs; do
	if [ $st = azblob ]; then U=azblob://$ACCT/pub; L="$T_TMP/az.log"; else U=gs://pub; L="$T_TMP/gcs.log"; fi
	"$SAOIDC" publish --key "$A" "$U/one" >/dev/null 2>&1
	c1=$(count "$L")
	"$SAOIDC" publish --key "$A" "$U/one" >/dev/null 2>&1
	c2=$(count "$L")
	"$SAOIDC" publish --key "$B" "$U/one" >/dev/null 2>&1
	c3=$(count "$L")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$SAOIDC" keygen --out "$T_TMP/k$st$i" >/dev/null 2>&1 || true
		"$SAOIDC" publish --key "$T_TMP/k$st$i.key" --cluster "c$i" "$U/fleet" >/dev/null 2>&1
	done
	: >"$L"
	"$SAOIDC" publish --key "$T_TMP/k${st}5.key" --cluster c5 "$U/fleet" >/dev/null 2>&1
	c4=$(count "$L")
	printf '%-8s %-22s %-22s %-22s %s\n' "$st" "$c1" "$c2" "$c3" "$c4"
done
