#!/bin/sh
# One issuer shared by several clusters (publish --cluster), against s3rver behind the
# SigV4-checking proxy: each cluster's run replaces only its own keys, an unchanged fleet writes
# nothing whichever cluster runs, a kid two clusters claim and a run without --cluster are
# refused with nothing changed, --retire-cluster, the cap counted across clusters, and two
# clusters publishing at the same moment keeping each other's keys.
. "$SRCDIR/tests/lib.sh"
start_s3_racing
state() { awsc s3 cp "s3://saoidc-test/$1/.saoidc/retention.json" - 2>/dev/null; }
A="$KEYS/demo-rsa.pub" B="$KEYS/demo-ec256.pub" C="$KEYS/demo-ec384.pub" B2="$KEYS/demo-ec521.pub"
KA=$(kid_of "$A") KB=$(kid_of "$B") KC=$(kid_of "$C") KB2=$(kid_of "$B2")
pub() { run "$SAOIDC" publish "$@" s3://saoidc-test/fleet; }

# Three clusters publish their keys, c first: the JWKS holds all three, by cluster name.
pub --key "$C" --cluster c
pub --key "$A" --cluster a
pub --key "$B" --cluster b
is "$RC" 0 "three clusters publish to one issuer"
is "$(published fleet)" "$KA $KB $KC" "the JWKS holds every cluster's key (a, b, c)"
contains "$ERR" "cluster a: 1 key (0 retained), kept as they are" "b's run says it kept a's key"
contains "$(state fleet)" '"cluster": "b"' "the retention state records each key's cluster"
: >"$T_TMP/s3.log"
pub --key "$A" --cluster a
pub --key "$C" --cluster c
is "$RC $(writes)" "0 0" "an unchanged fleet writes nothing, whichever cluster runs"

# b rotates: its old key retained, the others untouched.
pub --key "$B2" --cluster b --retain 1h
is "$RC $(published fleet)" "0 $KA $KB2 $KB $KC" "b rotates: its new key, its old one retained, a's and c's as they were"

# Refusals change nothing.
: >"$T_TMP/s3.log"
refused "a kid another cluster owns is refused" 1 "is cluster a's (in the retention state) and cluster c's source holds it too" \
	"$SAOIDC" publish --key "$C" --key "$A" --cluster c s3://saoidc-test/fleet
refused "a run without --cluster is refused, naming the clusters" 1 "keys published with --cluster (clusters: a, b, c)" \
	"$SAOIDC" publish --key "$A" s3://saoidc-test/fleet
refused "a bad cluster name is a usage error" 2 "--cluster and --retire-cluster take a name" \
	"$SAOIDC" publish --key "$A" --cluster "a/b" s3://saoidc-test/fleet
refused "--retire-cluster with --key is a usage error" 2 "give no --key" \
	"$SAOIDC" publish --key "$A" --retire-cluster a s3://saoidc-test/fleet
is "$(writes) $(published fleet)" "0 $KA $KB2 $KB $KC" "and none of them wrote anything"

# Retire c: --dry-run says so, then with --retain 0 its key goes now.
run "$SAOIDC" publish --retire-cluster c --retain 0 --dry-run s3://saoidc-test/fleet
contains "$ERR" "key $KC (gone from cluster c's source since" "--retire-cluster --dry-run says c's key would go"
is "$(writes)" 0 "  and writes nothing"
pub --retire-cluster c --retain 0
is "$RC $(published fleet)" "0 $KA $KB2 $KB" "--retire-cluster c --retain 0: its key is gone, the others stay"
refused "retiring a cluster the state does not hold is refused" 1 "holds no key of this cluster (clusters: a, b)" \
	"$SAOIDC" publish --retire-cluster c s3://saoidc-test/fleet

# rotate-plan on the shared issuer (its JWKS served as the bucket has it): for cluster a, b's
# keys are listed but are not a's to retire.
make_chain "$T_TMP/pki" oidc.test
P=$(free_port)
SERVE_SCHEME=https start_serve "$P" --issuer https://oidc.test/fleet --key "$A" --key "$B2" --key "$B" --listen "127.0.0.1:$P" \
	--tls-cert "$T_TMP/pki/chain.pem" --tls-key "$T_TMP/pki/leaf.key"
run "$SAOIDC" rotate-plan --issuer https://oidc.test/fleet --connect-to "127.0.0.1:$P" --ca-file "$T_TMP/pki/root.pem" \
	--key "$A" --signer "$A" --state s3://saoidc-test/fleet --cluster a
is "$RC" 0 "rotate-plan --cluster a on the shared issuer: exit 0"
contains "$OUT" "cluster a: 1 key (0 retained)  <- this one" "  the keys per cluster, a marked"
contains "$OUT" "cluster b: 2 keys (1 retained)" "  b's listed"
contains "$OUT" "Steady: $KA signs and is published" "  steady: b's keys are not a's to retire"
stop_serve

# The cap (64) counts every cluster's keys: three clusters of 22 EC keys each are refused on the
# third, which is named with the others.
for c in x y z; do
	mkdir -p "$T_TMP/$c"
	for i in $(seq 1 22); do openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout -out "$T_TMP/$c/$i.pub" 2>/dev/null; done
done
run "$SAOIDC" publish --key "$T_TMP/x" --cluster x s3://saoidc-test/cap
run "$SAOIDC" publish --key "$T_TMP/y" --cluster y s3://saoidc-test/cap
is "$RC" 0 "two clusters of 22 keys share an issuer (44 keys)"
: >"$T_TMP/s3.log"
refused "a third of 22 is over the cap of 64, counted across clusters" 1 "the clusters' keys (66) are over the JWKS cap of 64" \
	"$SAOIDC" publish --key "$T_TMP/z" --cluster z s3://saoidc-test/cap
contains "$ERR" "x 22, y 22, z 22" "  naming each cluster's share"
is "$(writes)" 0 "  and nothing was written"

# Two clusters publishing at the same moment (the proxy holds conditional PUTs back 1.5 s, so
# both read the same state before either writes): neither loses the other's key.
run "$SAOIDC" publish --key "$A" --cluster a s3://saoidc-test/race
: >"$T_TMP/race.log"
at_once AWS_ENDPOINT_URL_S3="http://127.0.0.1:$RP" "publish --key $B --cluster b s3://saoidc-test/race" \
	"publish --key $C --cluster c s3://saoidc-test/race"
is "$R1 $R2" "0 0" "two clusters publishing at once both exit 0"
is "$(published race)" "$KA $KB $KC" "the JWKS holds a's, b's and c's keys"
R=$(grep -c '"status": 412' "$T_TMP/race.log")
[ "$R" -ge 1 ] && pass "the race happened: $R conditional write(s) lost and merged again" || fail "the race happened" "$(cat "$T_TMP/race.log")"

# Ten clusters, each publishing only its own key; then one of them runs as a watch (publish
# --watch --cluster), rotating its key file: the others' keys stay.
mkdir -p "$T_TMP/ten"
for i in 0 1 2 3 4 5 6 7 8 9; do
	openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout -out "$T_TMP/ten/k$i.pub" 2>/dev/null
	run "$SAOIDC" publish --key "$T_TMP/ten/k$i.pub" --cluster "c$i" s3://saoidc-test/ten
done
is "$(published ten | wc -w | tr -d ' ')" 10 "ten clusters share one issuer: ten keys in its JWKS"
: >"$T_TMP/s3.log"
run "$SAOIDC" publish --key "$T_TMP/ten/k4.pub" --cluster c4 s3://saoidc-test/ten
is "$RC $(writes)" "0 0" "  an unchanged cluster's run writes nothing"
cp "$T_TMP/ten/k3.pub" "$T_TMP/ten/watched.pub"
MP=$(free_port)
"$SAOIDC" publish --watch --interval 1h --status-listen "127.0.0.1:$MP" --key "$T_TMP/ten/watched.pub" --cluster c3 \
	--retain 0 s3://saoidc-test/ten >/dev/null 2>"$T_TMP/watch.err" &
WPID=$!
ok "publish --watch --cluster c3 is ready" wait_for curl -sf "http://127.0.0.1:$MP/readyz"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout -out "$T_TMP/ten/new3.pub" 2>/dev/null
mv "$T_TMP/ten/new3.pub" "$T_TMP/ten/watched.pub"
K3=$(kid_of "$T_TMP/ten/watched.pub")
ok "  c3's new key file is published by the watch" wait_for sh -c "aws --endpoint-url http://127.0.0.1:$PP s3 cp s3://saoidc-test/ten/keys.json - 2>/dev/null | grep -qF -- '$K3'"
J=$(published ten)
is "$(echo "$J" | wc -w | tr -d ' ')" 10 "  still ten keys: c3's old one went (--retain 0), nobody else's"
case " $J " in *" $(kid_of "$T_TMP/ten/k9.pub") "*) pass "  c9's key is still there" ;; *) fail "  c9's key is still there" "$J" ;; esac
kill -TERM $WPID
wait $WPID
is "$?" 0 "  the watch stops cleanly"

# render keeps the same state in a directory.
I=https://oidc.example.com/fleet
"$SAOIDC" render --issuer $I --key "$A" --cluster a --out "$T_TMP/site" 2>/dev/null
"$SAOIDC" render --issuer $I --key "$B" --cluster b --out "$T_TMP/site" 2>/dev/null
run "$SAOIDC" render --issuer $I --key "$B2" --cluster b --retain 0 --out "$T_TMP/site"
is "$RC $(/usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(open(sys.argv[1]))['keys']))" "$T_TMP/site/keys.json")" \
	"0 $KA $KB2" "render --cluster: b's rotation keeps a's key"
rkids() { /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(open(sys.argv[1]))['keys']))" "$T_TMP/site/keys.json"; }
sum_site() { cat "$T_TMP/site/keys.json" "$T_TMP/site/.well-known/openid-configuration" "$T_TMP/site/.saoidc/retention.json" | cksum; }
before=$(sum_site)
refused "render: a kid another cluster owns is refused" 1 "is cluster b's (in the retention state) and cluster c's source holds it too" \
	"$SAOIDC" render --issuer $I --key "$C" --key "$B2" --cluster c --out "$T_TMP/site"
refused "render: a run without --cluster on the shared state is refused" 1 "clusters: a, b" \
	"$SAOIDC" render --issuer $I --key "$A" --out "$T_TMP/site"
is "$(sum_site)" "$before" "  and the directory is as it was, byte for byte"
run "$SAOIDC" render --issuer $I --retire-cluster a --retain 0 --out "$T_TMP/site"
is "$RC $(rkids)" "0 $KB2" "render --retire-cluster a --retain 0: only b's key is left"
done_testing
