# Shared helpers for the shell tests: TAP output, a scratch directory, and checks on how
# saoidc ends (exit code, message, nothing on stdout). Source it; call done_testing at the end.
set -u
: "${SAOIDC:?SAOIDC must name the saoidc binary (make check sets it)}"
: "${SRCDIR:?SRCDIR must name the source tree (make check sets it)}"
KEYS="$SRCDIR/keys"
T_N=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/saoidc-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

# pass/fail DESC
pass() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
fail() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# ok DESC CMD...: passes if CMD exits 0
ok() { d=$1; shift; if "$@" >"$T_TMP/.out" 2>&1; then pass "$d"; else fail "$d" "command: $*" "$(head -c 600 "$T_TMP/.out")"; fi; }

# is GOT WANT DESC
is() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:  $1" "want: $2"; fi; }

# contains HAYSTACK NEEDLE DESC
contains() { case "$1" in *"$2"*) pass "$3" ;; *) fail "$3" "missing: $2" "in: $(printf %s "$1" | head -c 600)" ;; esac; }

# run CMD...: runs saoidc-like CMD, leaves RC, OUT and ERR
run() { "$@" >"$T_TMP/.stdout" 2>"$T_TMP/.stderr"; RC=$?; OUT=$(cat "$T_TMP/.stdout"); ERR=$(cat "$T_TMP/.stderr"); }

# refused DESC RC NEEDLE CMD...: exits RC, stderr contains NEEDLE, stdout is empty
refused() {
	d=$1 want_rc=$2 needle=$3
	shift 3
	run "$@"
	if [ "$RC" = "$want_rc" ] && [ -z "$OUT" ] && case "$ERR" in *"$needle"*) true ;; *) false ;; esac; then
		pass "$d"
	else
		fail "$d" "exit $RC (want $want_rc)" "stdout: $(printf %s "$OUT" | head -c 200)" "stderr: $ERR" "want in stderr: $needle"
	fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }

done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }

# free_port [any]: prints a TCP port that is free on 127.0.0.1 right now; with "any", free on
# every IPv4 and IPv6 address (for a [::]:PORT listener: a port free on 127.0.0.1 may be some
# client's on ::1). Ports handed out in this test are remembered, so two calls never give the same one.
free_port() {
	if [ "${1:-}" = any ]; then
		probe='s=socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(("::",0))'
	else
		probe='s=socket.socket(); s.bind(("127.0.0.1",0))'
	fi
	while :; do
		p=$(/usr/bin/python3 -c "import socket; $probe; print(s.getsockname()[1])")
		if ! grep -qx "$p" "$T_TMP/.ports" 2>/dev/null; then
			echo "$p" >>"$T_TMP/.ports"
			echo "$p"
			return
		fi
	done
}

# start_serve PORT ARGS...: starts `saoidc serve` in the background (log in $T_TMP/serve.log),
# waits until /readyz answers (documents loaded); sets SERVE_PID. Fails the script if it does not come up in 10 s.
start_serve() {
	port=$1
	shift
	"$SAOIDC" serve "$@" >"$T_TMP/serve.out" 2>"$T_TMP/serve.log" &
	SERVE_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		if curl -skf -o /dev/null "${SERVE_SCHEME:-http}://127.0.0.1:$port/readyz" 2>/dev/null; then return 0; fi
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	fail "saoidc serve came up" "$(cat "$T_TMP/serve.log")"
	done_testing
	exit 1
}

# stop_serve: SIGTERM, wait; leaves the exit code in SERVE_RC.
stop_serve() {
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	SERVE_RC=$?
	# a sanitizer's report (ThreadSanitizer exits 66 at the end) goes to the test log
	if [ "$SERVE_RC" -ne 0 ] && grep -q 'Sanitizer' "$T_TMP/serve.log"; then
		grep -m1 -A30 'Sanitizer' "$T_TMP/serve.log" | sed 's/^/# /'
	fi
}

# wait_for CMD...: retries CMD for up to 10 s (WAIT_S=N: N s); true once it succeeds.
wait_for() {
	i=0
	while [ $i -lt $((${WAIT_S:-10} * 10)) ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# make_chain DIR NAME [NAME...]: a root CA, an intermediate CA and a leaf for NAME (and 127.0.0.1), made
# with openssl: DIR/root.pem, DIR/inter.pem, DIR/leaf.pem, DIR/leaf.key, DIR/chain.pem (leaf +
# intermediate, what a server presents).
make_chain() {
	d=$1 name=$2
	shift 2
	san="DNS:$name"
	for n in "$@"; do san="$san,DNS:$n"; done # more names for the leaf
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/root.key" -out "$d/root.pem" \
		-days 2 -subj "/CN=saoidc test root" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/inter.key" -out "$d/inter.csr" -subj "/CN=saoidc test intermediate" 2>/dev/null
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$d/inter.ext"
	openssl x509 -req -in "$d/inter.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial -days 2 -extfile "$d/inter.ext" -out "$d/inter.pem" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj "/CN=$name" 2>/dev/null
	printf 'subjectAltName=%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$san" >"$d/leaf.ext"
	openssl x509 -req -in "$d/leaf.csr" -CA "$d/inter.pem" -CAkey "$d/inter.key" -CAcreateserial -days 2 -extfile "$d/leaf.ext" -out "$d/leaf.pem" 2>/dev/null
	cat "$d/leaf.pem" "$d/inter.pem" >"$d/chain.pem"
}

# eksa_api_data: what the API stand-in serves as EKS Anywhere's Secret eksa-system/mgmt-sa (the
# demo key): its PKI in C=$T_TMP/pki (make_chain, localhost), its data directory D=$T_TMP/api,
# and the service account's token in $T_TMP/token (sa-token-for-saoidc).
eksa_api_data() {
	C="$T_TMP/pki"
	make_chain "$C" localhost
	D="$T_TMP/api"
	mkdir -p "$D"
	cp "$KEYS/demo-eksa-sa-secret.json" "$D/eksa-system_mgmt-sa.json"
	printf 'sa-token-for-saoidc\n' >"$T_TMP/token"
}

# set_secret_key PUB: the Secret in $D served as eksa-system/mgmt-sa now holds PUB as tls.crt (a
# rotation as the API server would show it; written whole, then renamed).
set_secret_key() {
	/usr/bin/python3 - "$D/eksa-system_mgmt-sa.json" "$1" <<'PY'
import base64, json, sys
s = json.load(open(sys.argv[1]))
s["data"] = {"tls.crt": base64.b64encode(open(sys.argv[2], "rb").read()).decode()}
json.dump(s, open(sys.argv[1] + ".new", "w"))
PY
	mv "$D/eksa-system_mgmt-sa.json.new" "$D/eksa-system_mgmt-sa.json"
}

# start_apiserver PKI_DIR DATA_DIR TOKEN [fake_apiserver.py options...]: the Kubernetes API
# stand-in on a free port with PKI_DIR's chain (make_chain), serving DATA_DIR; sets AP (its port)
# and APID, and returns once it listens. Its requests go to $T_TMP/api.log.
start_apiserver() {
	pki=$1 data=$2 tok=$3
	shift 3
	AP=$(free_port)
	/usr/bin/python3 "$SRCDIR/tests/interop/fake_apiserver.py" --listen "$AP" --cert "$pki/chain.pem" --key "$pki/leaf.key" \
		--token "$tok" --dir "$data" --log "$T_TMP/api.log" "$@" >"$T_TMP/api.out" 2>&1 &
	APID=$!
	wait_for grep -q listening "$T_TMP/api.out"
}

# openssl_thumbprint HOST PORT SNI: the IAM guide's pipeline: s_client -showcerts, the last
# certificate, x509 -fingerprint -sha1, colons out, lower case.
openssl_thumbprint() {
	openssl s_client -connect "$1:$2" -servername "$3" -showcerts </dev/null 2>/dev/null |
		awk '/-----BEGIN CERTIFICATE-----/ { c = "" } { c = c $0 "\n" } /-----END CERTIFICATE-----/ { last = c } END { printf "%s", last }' |
		openssl x509 -fingerprint -sha1 -noout | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# ---- AWS stand-ins (s3rver behind the SigV4-checking proxy) ------------------------------
# start_s3rver BUCKET...: s3rver (tests/interop/node_modules) on a free port, $SP, with these
# buckets; S3PID is its pid. Skips the script where s3rver or botocore is missing.
start_s3rver() {
	[ -x "$SRCDIR/tests/interop/node_modules/.bin/s3rver" ] || skip_all "s3rver missing: run 'npm ci' in tests/interop (dev.sh test does)"
	/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip_all "python3-botocore is not installed"
	SP=$(free_port)
	mkdir -p "$T_TMP/s3data"
	set -- $(for b in "$@"; do printf -- '--configure-bucket %s ' "$b"; done)
	"$SRCDIR/tests/interop/node_modules/.bin/s3rver" -d "$T_TMP/s3data" -a 127.0.0.1 -p "$SP" --silent \
		--allow-mismatched-signatures "$@" >"$T_TMP/s3rver.log" 2>&1 &
	S3PID=$!
	wait_for curl -s "http://127.0.0.1:$SP/" || { fail "s3rver started" "$(cat "$T_TMP/s3rver.log")"; done_testing; exit 1; }
}

# start_proxy PORT NAME [OPTIONS...]: tests/interop/sigv4_proxy.py on PORT in front of s3rver,
# logging to $T_TMP/NAME.log (keys S3RVER:S3RVER); waits until it listens; PROXY_PID is its pid.
start_proxy() {
	port=$1 name=$2
	shift 2
	: >"$T_TMP/$name.out"
	/usr/bin/python3 "$SRCDIR/tests/interop/sigv4_proxy.py" --listen "$port" --upstream "http://127.0.0.1:$SP" \
		--log "$T_TMP/$name.log" --key S3RVER:S3RVER "$@" >"$T_TMP/$name.out" 2>&1 &
	PROXY_PID=$!
	wait_for grep -q listening "$T_TMP/$name.out"
}

# start_s3_racing: s3rver with the bucket saoidc-test, behind the checking proxy on PP (log
# $T_TMP/s3.log; the AWS environment, us-east-1, points S3 there) and behind a second proxy on RP
# that holds conditional PUTs back 1.5 s (log $T_TMP/race.log): a window for publishers to race
# in. Also: awsc (aws through PP), published PREFIX (the kids in its JWKS), writes (s3.log's).
start_s3_racing() {
	start_s3rver saoidc-test
	PP=$(free_port)
	start_proxy "$PP" s3
	PXPID=$PROXY_PID
	RP=$(free_port)
	start_proxy "$RP" race --slow-put-ms 1500
	RPID=$PROXY_PID
	trap 'kill $S3PID $PXPID $RPID 2>/dev/null; rm -rf "$T_TMP"' EXIT
	aws_test_env us-east-1
	export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PP"
}
awsc() { aws --endpoint-url "http://127.0.0.1:$PP" "$@"; }
published() { awsc s3 cp "s3://saoidc-test/$1/keys.json" - 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(' '.join(k['kid'] for k in json.load(sys.stdin)['keys']))"; }
writes() { grep -cE '"method": "(PUT|POST|DELETE)"' "$T_TMP/s3.log" || true; }

# at_once VAR=VALUE "ARGS1" "ARGS2": two saoidc runs at the same time, both with VAR set (a racing
# endpoint); each ARGS is split on blanks (no globbing); output in $T_TMP/p1.out, p1.err, p2.*;
# R1 and R2 are their exit codes.
at_once() {
	set -f
	env "$1" "$SAOIDC" $2 >"$T_TMP/p1.out" 2>"$T_TMP/p1.err" &
	_p1=$!
	env "$1" "$SAOIDC" $3 >"$T_TMP/p2.out" 2>"$T_TMP/p2.err" &
	_p2=$!
	set +f
	wait $_p1
	R1=$?
	wait $_p2
	R2=$?
}

# start_iam NAME ARGS...: the IAM stand-in (tests/interop/iam_emulator.py ARGS) on a free port,
# logging to $T_TMP/NAME.log; returns once it listens, with IAM_PORT and IAM_PID set.
start_iam() {
	name=$1
	shift
	IAM_PORT=$(free_port)
	/usr/bin/python3 "$SRCDIR/tests/interop/iam_emulator.py" --listen "$IAM_PORT" --log "$T_TMP/$name.log" "$@" \
		>"$T_TMP/$name.out" 2>&1 &
	IAM_PID=$!
	wait_for grep -q listening "$T_TMP/$name.out"
}

# aws_test_env REGION: only the loopback stand-ins and the test key, never a real AWS account:
# no instance metadata, no profile, no endpoint or variant left over from the caller.
aws_test_env() {
	export AWS_EC2_METADATA_DISABLED=true HOME="$T_TMP/home" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	export AWS_REGION="$1"
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_IAM \
		AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_CLOUDFRONT AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE \
		AWS_USE_FIPS_ENDPOINT AWS_USE_DUALSTACK_ENDPOINT 2>/dev/null
	mkdir -p "$HOME"
}

# kid_of KEYFILE: the key's kid, as saoidc's JWKS gives it.
kid_of() { "$SAOIDC" jwks --key "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['keys'][0]['kid'])"; }
