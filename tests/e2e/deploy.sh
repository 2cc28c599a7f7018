#!/bin/sh
# The deployment artifacts: Kubernetes manifests parsed by a real YAML parser and validated
# against the Kubernetes schemas (npm yaml, kubernetes-models); the container command lines and
# the systemd unit run the options saoidc really has.
. "$SRCDIR/tests/lib.sh"
HERE="$SRCDIR/tests/interop"
DK="$SRCDIR/deploy/kubernetes"
[ -d "$HERE/node_modules/kubernetes-models" ] || skip_all "node modules missing: run 'npm ci' in tests/interop"
(cd "$HERE" && node validate-manifests.mjs "$DK") >"$T_TMP/v.out" 2>&1
while read -r verdict msg; do if [ "$verdict" = PASS ]; then pass "$msg"; else fail "$msg"; fi; done <"$T_TMP/v.out"
ok "the validator checked the manifests" grep -q "is valid against the Kubernetes schema" "$T_TMP/v.out"

# Every option the manifests and the unit pass to saoidc exists (run with --help, which exits
# 0 only after every option parsed).
for opt in --issuer=x --key=kube://saoidc/saoidc-signing-key --listen=[::]:8080 --log-format=json --max-per-ip=256 --from-apiserver; do
	run "$SAOIDC" serve "$opt" --help
	is "$RC" 0 "serve accepts $opt (as the Deployment passes it)"
done
run "$SAOIDC" webhook --listen=[::]:8443 --tls-cert=/x --tls-key=/y --region=eu-west-1 --log-format=json --help
is "$RC" 0 "webhook accepts the webhook Deployment's arguments"
run "$SAOIDC" publish --key=kube://saoidc/saoidc-signing-key --register s3://b/p --help
is "$RC" 0 "publish accepts the CronJob's arguments"
run "$SAOIDC" publish --watch --interval=60s --retain=25h --status-listen=0.0.0.0:9090 --key=kube://saoidc/saoidc-signing-key s3://b/p --help
is "$RC" 0 "publish accepts the sync Deployment's arguments"
# Every kustomization builds as shipped, with the kustomize users have (kubectl's, v5).
if command -v kubectl >/dev/null 2>&1; then
	mkdir -p "$T_TMP/built"
	for d in base identity overlays/from-apiserver overlays/publish-job overlays/sync overlays/eks-anywhere webhook; do
		if kubectl kustomize "$DK/$d" >"$T_TMP/built/$(printf %s "$d" | tr / -).yaml" 2>"$T_TMP/k.err"; then
			pass "kubectl kustomize builds $d"
		else
			fail "kubectl kustomize builds $d" "$(head -c 600 "$T_TMP/k.err")"
		fi
	done
	# What kustomize builds is what the cluster gets: schema-checked too.
	(cd "$HERE" && node validate-manifests.mjs "$T_TMP/built" --schema-only) >"$T_TMP/vb.out" 2>&1
	is "$(grep -c '^FAIL' "$T_TMP/vb.out")" 0 "every object kustomize builds is valid against the Kubernetes schema ($(grep -c 'is valid against' "$T_TMP/vb.out") objects)$(grep -m1 '^FAIL' "$T_TMP/vb.out" | sed 's/^/: /')"
	ok "and there were objects to check" grep -q "is valid against the Kubernetes schema" "$T_TMP/vb.out"
	kubectl kustomize "$DK/overlays/sync" >"$T_TMP/sync.yaml" 2>/dev/null
	contains "$(cat "$T_TMP/sync.yaml")" "resourceNames:
  - saoidc-signing-key" "the sync's RBAC names the one Secret it reads"
	# EKS Anywhere: the CronJob reads eksa-system/mgmt-sa, and the RBAC allows that Secret alone.
	E="$T_TMP/built/overlays-eks-anywhere.yaml"
	contains "$(cat "$E")" "- --key=kube://eksa-system/mgmt-sa" "eks-anywhere: the CronJob reads the key from eksa-system/mgmt-sa"
	OUT=$(/usr/bin/python3 - "$E" <<'PY'
import sys, yaml
objs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
roles = {(o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objs if o["kind"] == "Role"}
binds = [o for o in objs if o["kind"] == "RoleBinding"]
for (ns, name), r in sorted(roles.items()):
    print("role", ns, name, [(x["resources"], x.get("resourceNames"), sorted(x["verbs"])) for x in r["rules"]])
for b in binds:
    print("binding", b["metadata"].get("namespace"), b["roleRef"]["name"], [(s["kind"], s.get("namespace"), s["name"]) for s in b["subjects"]])
PY
)
	is "$OUT" "role eksa-system saoidc-read-eksa-signing-key [(['secrets'], ['mgmt-sa'], ['get', 'list', 'watch'])]
binding eksa-system saoidc-read-eksa-signing-key [('ServiceAccount', 'saoidc', 'saoidc')]" \
		"eks-anywhere: one Role, in eksa-system, for the one Secret, bound to saoidc/saoidc (and no other)"
	# The deploy steps of README.md and the EKS Anywhere guide, as printed: the kustomization the
	# user writes beside the clone (their heredoc, taken from the document) builds with kubectl
	# alone and carries the user's image and settings into what is applied.
	mkdir -p "$T_TMP/clone"
	cp -R "$SRCDIR/deploy" "$T_TMP/clone/deploy"
	heredoc() { awk -v d="$2" '$0 ~ "^mkdir -p " d " && cat >" d "/kustomization.yaml <<.EOF.$" {on = 1; next} /^EOF$/ {on = 0} on' "$1"; }
	for doc in README.md:my-saoidc doc/guide-eks-anywhere.md:my-webhook; do
		f=${doc%%:*} d=${doc#*:}
		mkdir -p "$T_TMP/clone/$d"
		heredoc "$SRCDIR/$f" "$d" >"$T_TMP/clone/$d/kustomization.yaml"
		if [ -s "$T_TMP/clone/$d/kustomization.yaml" ] && (cd "$T_TMP/clone" && kubectl kustomize "$d") >"$T_TMP/$d.yaml" 2>"$T_TMP/k.err"; then
			pass "$f: the kustomization it has the user write builds with kubectl alone"
		else
			fail "$f: the kustomization it has the user write builds with kubectl alone" "$(head -c 600 "$T_TMP/k.err")"
		fi
		is "$(grep -c 'image: ghcr.io' "$T_TMP/$d.yaml") $(grep -c 'image: registry.example.com/saoidc:0.1.0' "$T_TMP/$d.yaml")" "0 1" "$f: the user's image replaces the shipped one"
	done
	contains "$(cat "$T_TMP/my-saoidc.yaml")" "SAOIDC_TARGET: s3://my-oidc-bucket/my-cluster" "README.md: the user's bucket reaches the sync's ConfigMap"
	ok "README.md: the namespace is made before the Secret is created in it" test \
		"$(sed -n '/^kubectl apply -k deploy\/kubernetes\/identity/=' "$SRCDIR/README.md")" -lt "$(sed -n '/^kubectl -n saoidc create secret/=' "$SRCDIR/README.md")"
	is "$(cat "$SRCDIR/README.md" "$SRCDIR"/doc/*.md "$SRCDIR"/deploy/kubernetes/*/README.md | grep -c '^kustomize ')" 0 "no step runs a kustomize binary (kubectl has none)"
	# The webhook's region: a placeholder in the shipped ConfigMap, which the webhook refuses, so
	# pods are never patched without AWS_REGION by mistake; the user's value reaches the argument.
	wcm=$(sed -n 's/^ *name: \(saoidc-webhook-[a-z0-9]*\)$/\1/p' "$T_TMP/my-webhook.yaml" | head -1)
	contains "$(cat "$T_TMP/my-webhook.yaml")" "region: eu-west-1" "the guide's region reaches the webhook's ConfigMap"
	contains "$(grep -A4 'configMapKeyRef' "$T_TMP/my-webhook.yaml")" "name: $wcm" "  which the Deployment's SAOIDC_REGION reads ($wcm)"
	contains "$(cat "$T_TMP/built/webhook.yaml")" '- --region=$(SAOIDC_REGION)' "the webhook Deployment passes --region from it"
	placeholder=$(sed -n 's/^  region: //p' "$T_TMP/built/webhook.yaml")
	make_chain "$T_TMP/whpki" saoidc-webhook.saoidc-webhook.svc
	refused "the webhook refuses to start with the shipped placeholder region ($placeholder)" 1 "--region: region \"$placeholder\" is not an AWS region" \
		timeout 20 "$SAOIDC" webhook --listen=127.0.0.1:0 --tls-cert="$T_TMP/whpki/chain.pem" --tls-key="$T_TMP/whpki/leaf.key" --region="$placeholder"
else
	pass "kubectl kustomize builds the overlays # SKIP kubectl is not installed"
fi
run "$SAOIDC" serve --issuer x --key y --listen 127.0.0.1:8080 --log-format json --max-per-ip 256 --help
is "$RC" 0 "serve accepts the systemd unit's arguments"
for k in DynamicUser=yes ProtectSystem=strict NoNewPrivileges=yes CapabilityBoundingSet= LoadCredential=; do
	contains "$(cat "$SRCDIR/deploy/systemd/saoidc.service")" "$k" "the systemd unit sets $k"
done
# systemd expands variables in Exec*= lines only: a ${VAR} anywhere else is taken literally.
is "$(grep -v '^#' "$SRCDIR/deploy/systemd/saoidc.service" | grep -v '^Exec' | grep -c '\$')" 0 "the unit uses variables only in Exec lines, where systemd expands them"
ok "the unit does not claim a reload re-reads a changed key (the credential is a copy)" sh -c "! grep -q 'reload saoidc. re-reads the keys' '$SRCDIR/deploy/systemd/saoidc.service'"
if command -v systemd-analyze >/dev/null 2>&1; then
	# Offline: the unit as installed, but with the binary built here, and the man page on MANPATH
	# (its Documentation= is checked with man).
	mkdir -p "$T_TMP/unit" "$T_TMP/man/man1"
	cp "$SRCDIR/doc/saoidc.1" "$T_TMP/man/man1/"
	sed "s|/usr/local/bin/saoidc|$SAOIDC|" "$SRCDIR/deploy/systemd/saoidc.service" >"$T_TMP/unit/saoidc.service"
	ok "systemd-analyze verify accepts the unit" env MANPATH="$T_TMP/man" systemd-analyze verify "$T_TMP/unit/saoidc.service"
else
	skip "systemd-analyze verify accepts the unit" "systemd-analyze is not installed"
fi
D="$SRCDIR/deploy/docker/Dockerfile"
# The image's version: the build context has no .git, so the Dockerfile takes SAOIDC_VERSION
# into .tarball-version, which version.sh reads; without either it never claims a release.
contains "$(cat "$D")" 'printf %s "$SAOIDC_VERSION" >.tarball-version' "the Dockerfile writes SAOIDC_VERSION where version.sh reads it"
mkdir -p "$T_TMP/vtree/build-aux"
cp "$SRCDIR/build-aux/version.sh" "$T_TMP/vtree/build-aux/"
is "$(sh "$T_TMP/vtree/build-aux/version.sh")" "0.1.0+unknown" "version.sh without git or .tarball-version: 0.1.0+unknown"
printf %s 1.4.2 >"$T_TMP/vtree/.tarball-version"
is "$(sh "$T_TMP/vtree/build-aux/version.sh")" "1.4.2" "  with .tarball-version (a tarball, or the image's build arg): that version"
contains "$(cat "$D")" "USER 65532" "the image runs as a non-root user"
final=$(sed -n '/^FROM scratch$/,$p' "$D")
is "$(printf '%s\n' "$final" | grep -c '^COPY --from=build /rootfs /$')" 1 "the image is scratch plus the tree rootfs.sh assembles"
is "$(printf '%s\n' "$final" | grep -c '^RUN')" 0 "  and runs nothing of its own (no shell in it)"
# Without a container engine here, the build stage's steps are run as far as they go: make
# install-strip with the image's prefix, then rootfs.sh on the result, and saoidc is started
# inside that tree with chroot as the image's user: what works there works in the image.
BUILD_DIR=$(dirname "$(dirname "$SAOIDC")")
if [ -n "${SAOIDC_SANITIZED:-}" ]; then
	skip "the image's tree runs saoidc" "a sanitized binary needs the sanitizers' runtimes and /proc"
elif ! make -C "$BUILD_DIR" install-strip DESTDIR="$T_TMP/out" prefix=/usr >"$T_TMP/install.log" 2>&1; then
	fail "make install-strip (prefix /usr) for the image" "$(tail -c 600 "$T_TMP/install.log")"
elif ! "$SRCDIR/deploy/docker/rootfs.sh" "$T_TMP/out/usr/bin/saoidc" "$T_TMP/rootfs" >"$T_TMP/rootfs.log" 2>&1; then
	fail "rootfs.sh assembles the image's tree" "$(tail -c 600 "$T_TMP/rootfs.log")"
else
	R="$T_TMP/rootfs"
	pass "rootfs.sh assembles the image's tree ($(du -sk "$R" | cut -f1) KiB, $(find "$R" -name '*.so*' | wc -l) libraries)"
	is "$(find "$R" -type f \( -name sh -o -name bash -o -name dash -o -name apt -o -name dpkg \) | wc -l)" 0 "  no shell or package manager in it"
	if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null 2>&1; then
		CH="chroot --userspec=65532:65532 $R /usr/bin/saoidc"
		is "$($CH --version 2>&1 | head -n 1)" "$("$SAOIDC" --version | head -n 1)" "saoidc --version runs in the tree as 65532, the build's version"
		cp "$KEYS/demo-rsa.pub" "$R/home/nonroot/sa.pub"
		make_chain "$T_TMP/c" localhost
		cp "$T_TMP/c/chain.pem" "$R/home/nonroot/tls.crt"; cp "$T_TMP/c/leaf.key" "$R/home/nonroot/tls.key"
		chown 65532 "$R/home/nonroot/tls.key"; chmod 600 "$R/home/nonroot/tls.key"
		is "$($CH jwks --key /home/nonroot/sa.pub 2>&1 | head -c 8)" '{"keys":' "saoidc jwks runs in the tree"
		IP=$(free_port)
		$CH serve --issuer https://oidc.test --key /home/nonroot/sa.pub --listen "127.0.0.1:$IP" \
			--tls-cert /home/nonroot/tls.crt --tls-key /home/nonroot/tls.key >"$T_TMP/chroot.log" 2>&1 &
		CPID=$!
		ok "saoidc serve --tls-cert in the tree answers over HTTPS" wait_for curl -sf --cacert "$T_TMP/c/root.pem" \
			--resolve "localhost:$IP:127.0.0.1" -o /dev/null "https://localhost:$IP/keys.json"
		kill "$CPID"; wait "$CPID" 2>/dev/null
		# The CA bundle is where libcurl and OpenSSL look: verify's TLS checks find the system roots.
		is "$(readlink "$R/usr/lib/ssl/cert.pem")" /etc/ssl/certs/ca-certificates.crt "OpenSSL's default CA file is the bundle"
		ok "  which holds the system's CA certificates" cmp "$R/etc/ssl/certs/ca-certificates.crt" /etc/ssl/certs/ca-certificates.crt
	else
		skip "saoidc runs in the image's tree" "needs root and chroot"
	fi
fi
if [ -f "$SRCDIR/.dockerignore" ]; then
	ok ".dockerignore keeps build trees and node_modules out of the image's build context" sh -c "grep -qx 'build' '$SRCDIR/.dockerignore' && grep -qx 'build-\*' '$SRCDIR/.dockerignore' && grep -qx '\*\*/node_modules' '$SRCDIR/.dockerignore'"
else
	fail ".dockerignore keeps build trees and node_modules out of the image's build context" "no .dockerignore"
fi
done_testing
