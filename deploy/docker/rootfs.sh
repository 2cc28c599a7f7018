#!/bin/sh
# Assembles the file tree of saoidc's container image: the binary, exactly the shared libraries
# it loads (as ldd lists them, with the dynamic loader), the CA certificates, and a non-root
# user (65532, "nonroot") with a home directory and /tmp. Nothing else: no shell, no package
# manager. The Dockerfile's build stage runs it and the final stage is this tree on `scratch`;
# tests/e2e/deploy.sh runs it too and starts saoidc inside the tree with chroot.
# usage: deploy/docker/rootfs.sh BINARY DEST
set -eu
BIN=$1
DEST=$2
CA=/etc/ssl/certs/ca-certificates.crt
[ -x "$BIN" ] || { echo "rootfs.sh: $BIN is not an executable" >&2; exit 1; }
[ -f "$CA" ] || { echo "rootfs.sh: $CA is missing (install ca-certificates)" >&2; exit 1; }
[ ! -e "$DEST" ] || [ -z "$(ls -A "$DEST")" ] || { echo "rootfs.sh: $DEST is not empty" >&2; exit 1; }
mkdir -p "$DEST/usr/bin" "$DEST/etc/ssl/certs" "$DEST/usr/lib/ssl" "$DEST/tmp" "$DEST/home/nonroot"
cp "$BIN" "$DEST/usr/bin/saoidc"
# Every library by the path the loader found it at, and the loader at the path the binary names.
libs=$(ldd "$BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libs" ] || { echo "rootfs.sh: ldd lists no libraries for $BIN" >&2; exit 1; }
for l in $libs; do
	mkdir -p "$DEST$(dirname "$l")"
	cp -L "$l" "$DEST$l"
done
# CA certificates where libcurl (Debian's default bundle) and OpenSSL (its default file and
# directory, /usr/lib/ssl/cert.pem and certs/) look.
cp -L "$CA" "$DEST$CA"
ln -s /etc/ssl/certs/ca-certificates.crt "$DEST/usr/lib/ssl/cert.pem"
ln -s /etc/ssl/certs "$DEST/usr/lib/ssl/certs"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$DEST/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$DEST/etc/group"
printf 'hosts: files dns\n' >"$DEST/etc/nsswitch.conf"
chmod 1777 "$DEST/tmp"
chown 65532:65532 "$DEST/home/nonroot" 2>/dev/null || true # as root (the image build, CI); else the test chowns nothing
