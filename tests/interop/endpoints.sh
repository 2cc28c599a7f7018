#!/bin/sh
# saoidc's endpoint resolver (src/aws/endpoint.c) against python3-botocore's own resolution, for
# every region in botocore's endpoint data: S3, STS and IAM hosts and signing regions, with and
# without FIPS, and dual-stack for S3 and STS. endpoints_check.py holds the comparison and the
# two documented departures.
. "$SRCDIR/tests/lib.sh"
/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip_all "python3-botocore is not installed"
HELPER="$(dirname "$(dirname "$SAOIDC")")/tests/unit/aws/endpoint_resolve"
[ -x "$HELPER" ] || { fail "the endpoint_resolve helper is built" "missing: $HELPER"; done_testing; exit 1; }
/usr/bin/python3 "$SRCDIR/tests/interop/endpoints_check.py" "$HELPER"
