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
run "$SAOIDC" webhook --listen=[::]:8443 --tls-cert=/x --tls-key=/y --log-format=json --help
is "$RC" 0 "webhook accepts the webhook Deployment's arguments"
run "$SAOIDC" publish --key=kube://saoidc/saoidc-signing-key --register s3://b/p --help
is "$RC" 0 "publish accepts the CronJob's arguments"
run "$SAOIDC" publish --watch --interval=60s --retain=25h --status-listen=0.0.0.0:9090 --key=kube://saoidc/saoidc-signing-key s3://b/p --help
is "$RC" 0 "publish accepts the sync Deployment's arguments"
# Every kustomization builds as shipped, with the kustomize users have (kubectl's, v5).
if command -v kubectl >/dev/null 2>&1; then
	mkdir -p "$T_TMP/built"
	for d in base identity overlays/from-apiserver overlays/publish-job overlays/sync webhook; do
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
contains "$(cat "$SRCDIR/deploy/docker/Dockerfile")" "USER 65532" "the image runs as a non-root user"
runtime=$(sed -n '/^FROM debian:12-slim$/,$p' "$SRCDIR/deploy/docker/Dockerfile")
contains "$runtime" "libmicrohttpd12" "the image's runtime stage installs the runtime libraries"
is "$(printf '%s\n' "$runtime" | grep -c -- '-dev')" 0 "and no -dev package"
# Without a container engine here, the image's runtime stage is checked against the binary: every
# shared library the binary loads must come from a package the stage installs, one of their
# dependencies, or the base image's required packages.
if [ -n "${SAOIDC_SANITIZED:-}" ]; then
	skip "the runtime stage provides every library the binary loads" "a sanitized binary loads the sanitizers' runtimes and what they need"
elif command -v apt-cache >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 && command -v ldd >/dev/null 2>&1; then
	listed=$(printf '%s\n' "$runtime" | sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' | grep -E '^lib|^ca-certificates$' | sort -u)
	closure=$( (printf '%s\n' $listed; apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances $listed 2>/dev/null | sed -n 's/^ *Depends: //p; s/^ *PreDepends: //p; /^[a-z]/p';
		dpkg-query -W -f '${Package} ${Priority}\n' | awk '$2 == "required" {print $1}') | sed 's/:.*//; s/[<>]//g' | sort -u)
	missing=""
	for l in $(ldd "$SAOIDC" | awk '/=>/ {print $3}'); do
		f=$(readlink -f "$l") # usrmerge: dpkg may know it under /lib
		pkg=$( (dpkg -S "$f" 2>/dev/null || dpkg -S "${f#/usr}" 2>/dev/null) | head -n 1 | cut -d: -f1)
		[ -n "$pkg" ] && ! printf '%s\n' "$closure" | grep -qx "$pkg" && missing="$missing $pkg"
	done
	is "${missing:-none}" "none" "the runtime stage provides every library the binary loads ($(ldd "$SAOIDC" | grep -c '=>') of them)"
else
	skip "the runtime stage provides every library the binary loads" "apt-cache, dpkg or ldd is missing"
fi
# The build stage's own steps, as far as they go without a container engine: `make install` with
# the image's prefix puts every file the runtime stage copies where its COPY lines take it.
BUILD_DIR=$(dirname "$(dirname "$SAOIDC")")
if make -C "$BUILD_DIR" install DESTDIR="$T_TMP/out" prefix=/usr >"$T_TMP/install.log" 2>&1; then
	missing=""
	for f in $(sed -n 's|^COPY --from=build /out\([^ ]*\) .*|\1|p' "$SRCDIR/deploy/docker/Dockerfile"); do
		[ -f "$T_TMP/out$f" ] || missing="$missing $f"
	done
	is "${missing:-none}" "none" "make install (prefix /usr) gives every file the image's COPY lines take"
else
	fail "make install (prefix /usr) gives every file the image's COPY lines take" "$(tail -c 600 "$T_TMP/install.log")"
fi
if [ -f "$SRCDIR/.dockerignore" ]; then
	ok ".dockerignore keeps build trees and node_modules out of the image's build context" sh -c "grep -qx 'build' '$SRCDIR/.dockerignore' && grep -qx 'build-\*' '$SRCDIR/.dockerignore' && grep -qx '\*\*/node_modules' '$SRCDIR/.dockerignore'"
else
	fail ".dockerignore keeps build trees and node_modules out of the image's build context" "no .dockerignore"
fi
done_testing
