#include "config.h"

#include "aws/creds_meta.h"

#include "aws/send.h"
#include "util/url.h"
#include "util/fsio.h"
#include "util/str.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads {AccessKeyId, SecretAccessKey, Token} from a JSON credentials document. */
static bool creds_from_json(aws_creds *out, const aws_response *r, const char *source, sao_err *err)
{
	json_t *j = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
	const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
	const char *tok = json_string_value(json_object_get(j, "Token"));
	bool ok;

	if (ak == NULL || sk == NULL)
		ok = err_set(err, "%s: the answer holds no AccessKeyId/SecretAccessKey", source);
	else
		ok = aws_creds_set(out, ak, sk, tok, source, err);
	json_decref(j);
	return ok;
}

/* As the AWS SDKs allow it: https anywhere, http only to this host or to the ECS and EKS Pod
 * Identity agents' link-local addresses (the token would cross the network in clear text). */
static bool full_uri_allowed(const char *full, sao_err *err)
{
	static const char *const hosts[] = {"127.0.0.1",     "localhost",      "::1",	       "[::1]",
					    "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"};
	url_parts u = {0};
	bool ok = false;

	if (full == NULL || !url_parse(full, &u, err)) {
		err_prefix(err, "AWS_CONTAINER_CREDENTIALS_FULL_URI: ");
		goto out;
	}
	if (strcmp(u.scheme, "https") == 0) {
		ok = true;
		goto out;
	}
	for (size_t i = 0; strcmp(u.scheme, "http") == 0 && i < sizeof(hosts) / sizeof(*hosts); i++)
		ok = ok || strcmp(u.host, hosts[i]) == 0 || strncmp(u.host, "127.", 4) == 0;
	if (!ok)
		err_set(err,
			"AWS_CONTAINER_CREDENTIALS_FULL_URI: http:// is allowed only to this host (loopback) or the "
			"ECS/EKS Pod Identity agent (169.254.170.2, 169.254.170.23, fd00:ec2::23), as the AWS SDKs "
			"allow it: %s is neither; use https",
			u.host != NULL ? u.host : "(no host)");
out:
	url_parts_clear(&u);
	return ok;
}

bool aws_creds_container(aws_creds *out, sao_err *err)
{
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tokfile = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char *url = NULL, *filetok = NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	aws_response r = {0};
	bool ok = false;

	if ((rel == NULL || rel[0] == '\0') && !full_uri_allowed(full, err))
		goto out;
	if (rel != NULL && rel[0] != '\0') {
		if (asprintf(&url, "http://169.254.170.2%s", rel) < 0)
			url = NULL;
	} else {
		url = strdup(full);
	}
	if (url == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (tokfile != NULL && tokfile[0] != '\0') {
		if (!fs_read_secret(tokfile, &filetok, err)) {
			err_prefix(err, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ");
			goto out;
		}
		tok = filetok;
	}
	if (tok != NULL && tok[0] != '\0' && !sigv4_header_add(&hs, &nh, "Authorization", tok)) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request req = {"GET", url, "", "", hs, nh, NULL, 0, NULL, 2, 5000};

		if (!aws_send(&req, &r, err)) {
			err_prefix(err, "container credentials: ");
			goto out;
		}
	}
	if (r.status != 200) {
		err_set(err, "container credentials: %s answered HTTP %ld", url, r.status);
		goto out;
	}
	ok = creds_from_json(out, &r, "container credentials", err);
out:
	if (filetok != NULL)
		OPENSSL_clear_free(filetok, strlen(filetok));
	sigv4_headers_free(hs, nh);
	aws_response_clear(&r);
	free(url);
	return ok;
}

bool aws_creds_imds(aws_creds *out, sao_err *err)
{
	const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char *url = NULL, *token = NULL, *role = NULL, *nl;
	sigv4_header *hs = NULL;
	size_t nh = 0, bl;
	aws_response r = {0};
	bool ok = false;

	if (base == NULL || base[0] == '\0')
		base = "http://169.254.169.254";
	bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	/* IMDSv2: a session token first; IMDSv1 (no token) is never used. */
	if (asprintf(&url, "%.*s/latest/api/token", (int)bl, base) < 0 ||
	    !sigv4_header_add(&hs, &nh, "X-aws-ec2-metadata-token-ttl-seconds", "21600")) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request req = {"PUT", url, "", "", hs, nh, "", 0, NULL, 1, 1000};

		if (!aws_send(&req, &r, err) || r.status != 200 || r.body_len == 0) {
			if (err != NULL && r.status != 0)
				err_set(err, "instance metadata: token request answered HTTP %ld", r.status);
			err_prefix(err, "instance metadata (IMDSv2): ");
			goto out;
		}
	}
	token = strndup(r.body, r.body_len);
	aws_response_clear(&r);
	sigv4_headers_free(hs, nh);
	hs = NULL;
	nh = 0;
	free(url);
	url = NULL;
	if (token == NULL || !sigv4_header_add(&hs, &nh, "X-aws-ec2-metadata-token", token) ||
	    asprintf(&url, "%.*s/latest/meta-data/iam/security-credentials/", (int)bl, base) < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request req = {"GET", url, "", "", hs, nh, NULL, 0, NULL, 1, 2000};

		if (!aws_send(&req, &r, err) || r.status != 200 || r.body_len == 0) {
			err_set(err, "instance metadata: no IAM role is attached to this instance (HTTP %ld)",
				r.status);
			goto out;
		}
	}
	role = strndup(r.body, r.body_len);
	aws_response_clear(&r);
	if (role == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if ((nl = strchr(role, '\n')) != NULL)
		*nl = '\0';
	free(url);
	{
		char *erole = sigv4_uri_encode(str_trim(role), false);

		if (erole == NULL ||
		    asprintf(&url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int)bl, base, erole) < 0) {
			free(erole);
			url = NULL;
			err_set(err, "out of memory");
			goto out;
		}
		free(erole);
	}
	{
		aws_request req = {"GET", url, "", "", hs, nh, NULL, 0, NULL, 1, 2000};

		if (!aws_send(&req, &r, err) || r.status != 200) {
			err_set(err, "instance metadata: credentials for role %s answered HTTP %ld", role, r.status);
			goto out;
		}
	}
	{
		char src[300];

		snprintf(src, sizeof(src), "instance metadata (role %s)", role);
		ok = creds_from_json(out, &r, src, err);
	}
out:
	if (token != NULL)
		OPENSSL_clear_free(token, strlen(token));
	free(role);
	free(url);
	sigv4_headers_free(hs, nh);
	aws_response_clear(&r);
	return ok;
}
