#include "config.h"

#include "aws/creds_sso.h"

#include "aws/endpoint.h"
#include "aws/ini.h"
#include "net/fetch.h"
#include "aws/send.h"
#include "util/fsio.h"
#include "util/str.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2026-12-02T10:00:00Z" (or with fractional seconds, or UTC): seconds since the epoch; 0 if
 * unreadable. */
static time_t rfc3339(const char *s)
{
	struct tm tm = {0};

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* IAM Identity Center (SSO): the access token `aws sso login` left in the CLI's cache
 * (~/.aws/sso/cache/SHA1.json, SHA1 of the sso_session name, or of sso_start_url for a legacy
 * profile), then the portal's GetRoleCredentials for sso_account_id and sso_role_name. No
 * login flow: a missing or expired token says to run aws sso login. */
bool aws_creds_sso(const char *name, const char *session, aws_creds *out, sao_err *err)
{
	char *start = NULL, *region = NULL, *account = NULL, *role = NULL, *cache = NULL, *url = NULL, *hdr = NULL;
	char hex[41], src[300];
	unsigned char md[20], *buf = NULL;
	size_t n = 0;
	json_t *tok = NULL, *rc = NULL;
	const char *access, *base = getenv("AWS_ENDPOINT_URL_SSO");
	const aws_partition *part;
	fetch_req fq = {0};
	fetch_result r = {0};
	bool ok = false;

	if (session != NULL) {
		start = aws_ini_sso_session(session, "sso_start_url");
		region = aws_ini_sso_session(session, "sso_region");
	} else {
		start = aws_ini_profile_get(name, "sso_start_url");
		region = aws_ini_profile_get(name, "sso_region");
	}
	account = aws_ini_profile_get(name, "sso_account_id");
	role = aws_ini_profile_get(name, "sso_role_name");
	if (start == NULL || region == NULL || account == NULL || role == NULL) {
		err_set(err,
			"profile %s: SSO needs sso_start_url and sso_region (%s), sso_account_id and sso_role_name",
			name, session != NULL ? "in its [sso-session] section" : "in the profile");
		goto out;
	}
	if ((part = aws_partition_of(region, err)) == NULL) {
		err_prefix(err, "profile %s: sso_region: ", name);
		goto out;
	}
	SHA1((const unsigned char *)(session != NULL ? session : start), strlen(session != NULL ? session : start), md);
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	{
		char *dir = aws_ini_home_file(NULL, ".aws/sso/cache");

		if (dir == NULL || asprintf(&cache, "%s/%s.json", dir, hex) < 0)
			cache = NULL;
		free(dir);
	}
	if (cache == NULL || !fs_read_file(cache, 1024 * 1024, &buf, &n, NULL) ||
	    (tok = json_loadb((const char *)buf, n, 0, NULL)) == NULL ||
	    (access = json_string_value(json_object_get(tok, "accessToken"))) == NULL) {
		err_set(err, "profile %s: no SSO login in the AWS CLI's cache: run `aws sso login --profile %s`", name,
			name);
		goto out;
	}
	if (rfc3339(json_string_value(json_object_get(tok, "expiresAt"))) <= time(NULL)) {
		err_set(err, "profile %s: the SSO login has expired: run `aws sso login --profile %s`", name, name);
		goto out;
	}
	if ((base == NULL || base[0] == '\0') && (base = getenv("AWS_ENDPOINT_URL")) != NULL && base[0] == '\0')
		base = NULL;
	if ((base != NULL ? asprintf(&url, "%s/federation/credentials?account_id=%s&role_name=%s", base, account, role)
			  : asprintf(&url, "https://portal.sso.%s.%s/federation/credentials?account_id=%s&role_name=%s",
				     region, part->dns_suffix, account, role)) < 0 ||
	    asprintf(&hdr, "x-amz-sso_bearer_token: %s", access) < 0) {
		url = hdr = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	{
		const char *hs[] = {hdr};

		fq.url = url;
		fq.headers = hs;
		fq.nheaders = 1;
		fq.timeout_ms = 10000;
		if (!fetch_do(&fq, &r, err)) {
			err_prefix(err, "profile %s: SSO GetRoleCredentials: ", name);
			goto out;
		}
	}
	if (r.status == 401 || r.status == 403) {
		err_set(err,
			"profile %s: the SSO portal refused the login (HTTP %ld): run `aws sso login --profile %s`; "
			"or the role %s is not assigned to you in account %s",
			name, r.status, name, role, account);
		goto out;
	}
	rc = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	{
		const json_t *c = json_object_get(rc, "roleCredentials");
		const char *ak = json_string_value(json_object_get(c, "accessKeyId"));
		const char *sk = json_string_value(json_object_get(c, "secretAccessKey"));

		if (ak == NULL || sk == NULL) {
			err_set(err, "profile %s: SSO GetRoleCredentials answered HTTP %ld without credentials", name,
				r.status);
			goto out;
		}
		snprintf(src, sizeof(src), "profile %s (SSO role %s in %s)", name, role, account);
		ok = aws_creds_set(out, ak, sk, json_string_value(json_object_get(c, "sessionToken")), src, err);
	}
out:
	json_decref(tok);
	json_decref(rc);
	if (buf != NULL)
		OPENSSL_clear_free(buf, n + 1);
	str_free_secret(hdr);
	fetch_result_clear(&r);
	free(start);
	free(region);
	free(account);
	free(role);
	free(cache);
	free(url);
	return ok;
}

/* role_arn: the source's credentials (source_profile, or credential_source Environment,
 * Ec2InstanceMetadata or EcsContainer), then STS AssumeRole signed with them, with the
 * profile's role_session_name, external_id and duration_seconds. */
