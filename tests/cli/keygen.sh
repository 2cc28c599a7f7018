#!/bin/sh
# saoidc keygen: every key type loads in saoidc and in openssl, the kid is the one an independent
# signer (python3-jwt, kid computed by python3-cryptography) puts in its tokens, and saoidc token
# verify accepts such a token; files are 0600 for the private key, never overwritten, and the
# private key never reaches stdout or stderr.
. "$SRCDIR/tests/lib.sh"
/usr/bin/python3 -c 'import jwt, cryptography, yaml' 2>/dev/null || skip_all "python3-jwt, -cryptography or -yaml is missing"
cd "$T_TMP" || exit 1
ISS=https://oidc.example.com/kg
for t in rsa-2048 rsa-3072 ec-p256 ec-p384 ec-p521; do
	run "$SAOIDC" keygen --type "$t" --out "$T_TMP/$t"
	is "$RC" 0 "keygen --type $t exits 0"
	is "$(stat -c %a "$T_TMP/$t.key") $(stat -c %a "$T_TMP/$t.pub")" "600 644" "$t: the private key is 0600, the public key 0644"
	ok "$t: openssl reads the private key" openssl pkey -in "$T_TMP/$t.key" -noout
	ok "$t: openssl reads the public key" openssl pkey -pubin -in "$T_TMP/$t.pub" -noout
	J=$("$SAOIDC" jwks --key "$T_TMP/$t.pub")
	is "$OUT" "$(printf %s "$J" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['keys'][0]['kid'])")" "$t: the kid printed is the JWKS's"
	case "$OUT$ERR" in *PRIVATE*) fail "$t: no private key on stdout or stderr" ;; *) pass "$t: no private key on stdout or stderr" ;; esac
	printf %s "$J" >"$T_TMP/$t.jwks"
	TOK=$(/usr/bin/python3 "$SRCDIR/tests/interop/sign.py" "$ISS" "$T_TMP/$t.key" | /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.readline()); print(d['kid'] + ' ' + d['token'])")
	is "${TOK%% *}" "$OUT" "$t: python3-cryptography computes the same kid"
	printf %s "${TOK#* }" >"$T_TMP/$t.jwt"
	ok "$t: a token python3-jwt signs with it passes saoidc token verify" "$SAOIDC" token verify --jwks "$T_TMP/$t.jwks" --token "$T_TMP/$t.jwt" --issuer "$ISS"
done
run "$SAOIDC" jwks --key "$T_TMP/rsa-2048.pub"
contains "$OUT" '"alg":"RS256"' "rsa-2048 is an RS256 key"
contains "$("$SAOIDC" jwks --key "$T_TMP/ec-p256.pub")" '"crv":"P-256","alg":"ES256"' "ec-p256 is an ES256 key"
run "$SAOIDC" keygen --out "$T_TMP/default"
contains "$(openssl pkey -pubin -in "$T_TMP/default.pub" -noout -text 2>&1)" "2048 bit" "the default is RSA-2048"

# Never overwrite, never leave half a pair.
cp "$T_TMP/rsa-2048.key" "$T_TMP/before.key"
refused "an existing key file is not overwritten" 1 "refusing to overwrite" "$SAOIDC" keygen --out "$T_TMP/rsa-2048"
ok "and it is unchanged" cmp -s "$T_TMP/rsa-2048.key" "$T_TMP/before.key"
: >"$T_TMP/half.pub"
refused "an existing .pub stops it too" 1 "half.pub" "$SAOIDC" keygen --out "$T_TMP/half"
ok "and no lone private key is left behind" test ! -e "$T_TMP/half.key"

# A Secret shaped like EKS Anywhere's <cluster>-sa.
run "$SAOIDC" keygen --format secret --name mycluster-sa --out "$T_TMP/sa.yaml" --type ec-p256
is "$RC" 0 "keygen --format secret exits 0"
is "$(stat -c %a "$T_TMP/sa.yaml")" 600 "the manifest is 0600 (it holds the private key)"
KID=$OUT
/usr/bin/python3 -c "import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))" "$T_TMP/sa.yaml" >"$T_TMP/sa.json"
is "$(/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['kind'], d['metadata']['name'], d['metadata']['namespace'], sorted(d['data']))" "$T_TMP/sa.json")" \
	"Secret mycluster-sa eksa-system ['tls.crt', 'tls.key']" "a Secret in eksa-system with tls.crt and tls.key"
is "$("$SAOIDC" jwks --key "$T_TMP/sa.json" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['keys'][0]['kid'])")" "$KID" "saoidc reads it (tls.crt, the public key) with the kid printed"
/usr/bin/python3 -c "import json,sys,base64; print(base64.b64decode(json.load(open(sys.argv[1]))['data']['tls.key']).decode(), end='')" "$T_TMP/sa.json" >"$T_TMP/sa.key"
/usr/bin/python3 -c "import json,sys,base64; sys.stdout.write(base64.b64decode(json.load(open(sys.argv[1]))['data']['tls.crt']).decode())" "$T_TMP/sa.json" >"$T_TMP/sa.crt"
openssl pkey -in "$T_TMP/sa.key" -pubout >"$T_TMP/sa.derived" 2>/dev/null
ok "tls.key is the private key of tls.crt" cmp -s "$T_TMP/sa.derived" "$T_TMP/sa.crt"

# Usage errors.
refused "no --out is a usage error" 2 "--out PATH is required" "$SAOIDC" keygen
refused "an unknown type is refused, listing the types" 1 "choose one of rsa-2048" "$SAOIDC" keygen --type dsa --out "$T_TMP/x"
refused "--format secret without --name is a usage error" 2 "needs --name" "$SAOIDC" keygen --format secret --out "$T_TMP/y.yaml"
ok "nothing was written for them" test ! -e "$T_TMP/x.key" -a ! -e "$T_TMP/y.yaml"
done_testing
