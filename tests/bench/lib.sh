# What the benchmarks in tests/bench share; sourced, not run.

# harness [BUILD_DIR]: for a benchmark that drives the tests' stand-ins: SAOIDC from BUILD_DIR
# (default $TOP/build), SRCDIR, and tests/lib.sh's helpers and scratch directory (T_TMP).
harness() {
	BUILD=${1:-$TOP/build}
	SAOIDC=$BUILD/src/saoidc
	SRCDIR=$TOP
	export SAOIDC SRCDIR
	[ -x "$SAOIDC" ] || { echo "build saoidc first ($SAOIDC)" >&2; exit 1; }
	. "$TOP/tests/lib.sh"
	set -eu
}

# port: a TCP port free on 127.0.0.1 now.
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# nginx_conf DIR WORKERS LISTEN [SERVER_LINES]: writes DIR/nginx.conf, an nginx serving DIR/site
# (saoidc render's output) with saoidc's content types and Cache-Control, on LISTEN
# ("127.0.0.1:PORT" or "127.0.0.1:PORT ssl"), with SERVER_LINES (TLS settings) in its server block.
nginx_conf() {
	cat >"$1/nginx.conf" <<NGX
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen $3;
    ${4:-}
    root $1/site;
    location = /keys.json { default_type application/jwk-set+json; add_header Cache-Control "public, max-age=3600"; }
    location = /.well-known/openid-configuration { default_type application/json; add_header Cache-Control "public, max-age=3600"; }
  }
}
NGX
}
