#include "config.h"

#include "aws/creds.h"

#include "aws/creds_meta.h"
#include "aws/creds_sso.h"
#include "aws/endpoint.h"
#include "aws/ini.h"
#include "aws/send.h"
#include "aws/xml.h"
#include "net/fetch.h"
#include "util/fsio.h"
#include "util/proc.h"
#include "util/str.h"

#include <ctype.h>
#include <jansson.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

char *aws_region(const char *flag)
{
	const char *e;

	if (flag != NULL && flag[0] != '\0')
		return strdup(flag);
	if ((e = getenv("AWS_REGION")) != NULL && e[0] != '\0')
		return strdup(e);
	if ((e = getenv("AWS_DEFAULT_REGION")) != NULL && e[0] != '\0')
		return strdup(e);
	return aws_ini_config("region");
}

bool aws_where_init(aws_where *w, const char *region_flag, bool fips_flag, bool allow_unknown, sao_err *err)
{
	memset(w, 0, sizeof(*w));
	if (!aws_endpoint_cfg_env(&w->ep, fips_flag, err))
		return false;
	w->region = aws_region(region_flag);
	if (w->region == NULL) {
		w->partition = aws_partition_default();
		return true;
	}
	if ((w->partition = aws_partition_of(w->region, err)) == NULL) {
		aws_where_clear(w);
		return false;
	}
	if (!aws_region_known(w->region)) {
		const char *near = aws_region_suggest(w->region);

		w->unknown_region = true;
		if (!allow_unknown) {
			err_set(
			    err,
			    "region %s is not one saoidc knows%s%s%s; if it is a region newer than this saoidc, add "
			    "--allow-unknown-region (the partition then comes from its name: %s)",
			    w->region, near != NULL ? " (did you mean " : "", near != NULL ? near : "",
			    near != NULL ? "?)" : "", w->partition->id);
			aws_where_clear(w);
			return false;
		}
	}
	return true;
}

void aws_where_clear(aws_where *w)
{
	free(w->region);
	w->region = NULL;
}

/* One STS call that hands out credentials (AssumeRoleWithWebIdentity, AssumeRole): `form` is
 * the Query API body after Action and Version, `signer` NULL for an unsigned call. The regional
 * endpoint of `where` (us-east-1's without a region, as the SDKs' default). */
static bool sts_credentials(const aws_where *where, const char *action, const char *form, const aws_creds *signer,
			    const char *what, const char *source, aws_creds *out, sao_err *err)
{
	char *body = NULL, *url = NULL, *ak = NULL, *sk = NULL, *st = NULL;
	aws_endpoint ep;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	aws_response r = {0};
	bool ok = false;

	if (!aws_endpoint_resolve(AWS_STS, where != NULL && where->region != NULL ? where->region : "us-east-1",
				  where != NULL ? &where->ep : NULL, &ep, err)) {
		err_prefix(err, "%s: ", what);
		return false;
	}
	if (asprintf(&url, "%s/", ep.url) < 0)
		url = NULL;
	if (url == NULL || asprintf(&body, "Action=%s&Version=2011-06-15&%s", action, form) < 0 ||
	    !sigv4_header_add(&hs, &nh, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")) {
		body = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request req = {"POST", url, ep.signing_name, ep.signing_region, hs, nh, body, strlen(body), signer,
				   0,	   0};

		if (!aws_send(&req, &r, err)) {
			err_prefix(err, "%s: ", what);
			goto out;
		}
	}
	if (r.status != 200) {
		err_set(err, "%s: STS %s failed: HTTP %ld %s%s%s", what, action, r.status, r.code != NULL ? r.code : "",
			r.message != NULL ? ": " : "", r.message != NULL ? r.message : "");
		goto out;
	}
	ak = aws_xml_text(r.body, r.body_len, "AccessKeyId");
	sk = aws_xml_text(r.body, r.body_len, "SecretAccessKey");
	st = aws_xml_text(r.body, r.body_len, "SessionToken");
	if (ak == NULL || sk == NULL || st == NULL) {
		err_set(err, "%s: STS answered without credentials", what);
		goto out;
	}
	ok = aws_creds_set(out, ak, sk, st, source, err);
out:
	if (body != NULL)
		OPENSSL_clear_free(body, strlen(body));
	if (sk != NULL)
		OPENSSL_clear_free(sk, strlen(sk));
	if (st != NULL)
		OPENSSL_clear_free(st, strlen(st));
	free(ak);
	free(url);
	sigv4_headers_free(hs, nh);
	aws_response_clear(&r);
	return ok;
}

bool aws_caller_identity(const aws_creds *c, const aws_where *where, char **account, char **arn, sao_err *err)
{
	aws_endpoint ep;
	char *url = NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	aws_response r = {0};
	static const char body[] = "Action=GetCallerIdentity&Version=2011-06-15";
	bool ok = false;

	*account = *arn = NULL;
	if (!aws_endpoint_resolve(AWS_STS, where != NULL && where->region != NULL ? where->region : "us-east-1",
				  where != NULL ? &where->ep : NULL, &ep, err))
		return false;
	if (asprintf(&url, "%s/", ep.url) < 0 ||
	    !sigv4_header_add(&hs, &nh, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request req = {"POST", url, ep.signing_name, ep.signing_region, hs, nh, body, strlen(body), c,
				   0,	   0};

		if (!aws_send(&req, &r, err))
			goto out;
	}
	if (r.status != 200) {
		const char *hint = aws_error_hint(&r);

		err_set(err, "STS GetCallerIdentity with %s: HTTP %ld %s%s%s%s%s", c->source, r.status,
			r.code != NULL ? r.code : "", r.message != NULL ? ": " : "", r.message != NULL ? r.message : "",
			hint != NULL ? "; " : "", hint != NULL ? hint : "");
		goto out;
	}
	*account = aws_xml_text(r.body, r.body_len, "Account");
	*arn = aws_xml_text(r.body, r.body_len, "Arn");
	if (*account == NULL || strlen(*account) != 12 || strspn(*account, "0123456789") != 12) {
		err_set(err, "STS GetCallerIdentity answered without an account ID");
		free(*account);
		free(*arn);
		*account = *arn = NULL;
		goto out;
	}
	ok = true;
out:
	free(url);
	sigv4_headers_free(hs, nh);
	aws_response_clear(&r);
	return ok;
}

/* A RoleSessionName: the one given, or saoidc-SECONDS. */
static const char *session_name(const char *given, char buf[64])
{
	if (given != NULL && given[0] != '\0')
		return given;
	snprintf(buf, 64, "saoidc-%ld", (long)time(NULL));
	return buf;
}

static bool creds_web_identity(aws_creds *out, const aws_where *where, sao_err *err)
{
	const char *role = getenv("AWS_ROLE_ARN"), *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	char *token = NULL, *etoken = NULL, *erole = NULL, *esess = NULL, *form = NULL, sname[64], what[300], src[300];
	bool ok = false;

	if (!fs_read_secret(file, &token, err)) {
		err_prefix(err, "AWS_WEB_IDENTITY_TOKEN_FILE: ");
		return false;
	}
	etoken = sigv4_uri_encode(token, false);
	erole = sigv4_uri_encode(role, false);
	esess = sigv4_uri_encode(session_name(getenv("AWS_ROLE_SESSION_NAME"), sname), false);
	if (etoken == NULL || erole == NULL || esess == NULL ||
	    asprintf(&form, "RoleArn=%s&RoleSessionName=%s&WebIdentityToken=%s", erole, esess, etoken) < 0) {
		form = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "web identity (AWS_ROLE_ARN %s)", role);
	snprintf(src, sizeof(src), "web identity (%s)", role);
	/* AssumeRoleWithWebIdentity is not signed: the token is the credential. */
	ok = sts_credentials(where, "AssumeRoleWithWebIdentity", form, NULL, what, src, out, err);
out:
	if (token != NULL)
		OPENSSL_clear_free(token, strlen(token));
	if (etoken != NULL)
		OPENSSL_clear_free(etoken, strlen(etoken));
	if (form != NULL)
		OPENSSL_clear_free(form, strlen(form));
	free(erole);
	free(esess);
	return ok;
}

static bool set_env(const char *name)
{
	return str_env(name) != NULL;
}

/* credential_process: runs the command through /bin/sh as the CLI does and reads its JSON
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}), at most
 * 64 KiB, within PROCESS_DEADLINE_MS (util/proc). Its stderr is the user's. */
#define PROCESS_DEADLINE_MS 60000L /* the Go SDK gives it one minute */
static bool creds_process(const char *name, const char *cmd, aws_creds *out, sao_err *err)
{
	char *const argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	char *buf = NULL, src[300];
	size_t n = 0;
	json_t *j = NULL;
	bool ok = false;

	if (!proc_run("credential_process", argv, NULL, PROCESS_DEADLINE_MS, 64 * 1024, &buf, &n, err)) {
		err_prefix(err, "profile %s: ", name);
		goto out;
	}
	j = json_loadb(buf, n, 0, NULL);
	if (json_integer_value(json_object_get(j, "Version")) != 1 ||
	    json_string_value(json_object_get(j, "AccessKeyId")) == NULL ||
	    json_string_value(json_object_get(j, "SecretAccessKey")) == NULL) {
		err_set(err,
			"profile %s: credential_process did not print {\"Version\": 1, \"AccessKeyId\": ..., "
			"\"SecretAccessKey\": ...}",
			name);
		goto out;
	}
	snprintf(src, sizeof(src), "profile %s (credential_process)", name);
	ok = aws_creds_set(out, json_string_value(json_object_get(j, "AccessKeyId")),
			   json_string_value(json_object_get(j, "SecretAccessKey")),
			   json_string_value(json_object_get(j, "SessionToken")), src, err);
out:
	json_decref(j);
	proc_output_free(buf, n);
	return ok;
}

static int profile_creds(const char *name, const aws_where *where, int depth, bool allow_role, aws_creds *out,
			 sao_err *err);

static bool creds_assume_role(const char *name, const char *role, const aws_where *where, int depth, aws_creds *out,
			      sao_err *err)
{
	char *sp = aws_ini_profile_get(name, "source_profile"), *cs = aws_ini_profile_get(name, "credential_source");
	char *sess = aws_ini_profile_get(name, "role_session_name"), *ext = aws_ini_profile_get(name, "external_id");
	char *dur = aws_ini_profile_get(name, "duration_seconds");
	char *erole = NULL, *esess = NULL, *eext = NULL, *form = NULL, sname[64], what[300], src[300];
	aws_creds base = {0};
	long secs = 3600;
	bool ok = false;

	if ((sp == NULL) == (cs == NULL)) {
		err_set(err, "profile %s has role_arn: give it either source_profile or credential_source (it has %s)",
			name, sp != NULL ? "both" : "neither");
		goto out;
	}
	if (dur != NULL) {
		char *end;

		secs = strtol(dur, &end, 10);
		if (*end != '\0' || secs < 900 || secs > 43200) {
			err_set(err, "profile %s: duration_seconds %s: STS takes 900 to 43200", name, dur);
			goto out;
		}
	}
	if (sp != NULL) {
		/* A profile that names itself as its source uses its own keys. */
		int r = profile_creds(sp, where, depth + 1, strcmp(sp, name) != 0, &base, err);

		if (r <= 0) {
			if (r == 0)
				err_set(err, "profile %s: source_profile %s has no credentials", name, sp);
			goto out;
		}
	} else if (strcmp(cs, "Environment") == 0) {
		const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");

		if (ak == NULL || sk == NULL || ak[0] == '\0' || sk[0] == '\0') {
			err_set(
			    err,
			    "profile %s: credential_source Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
			    "are not set",
			    name);
			goto out;
		}
		if (!aws_creds_set(&base, ak, sk, getenv("AWS_SESSION_TOKEN"), "environment", err))
			goto out;
	} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
		if (!aws_creds_imds(&base, err))
			goto out;
	} else if (strcmp(cs, "EcsContainer") == 0) {
		if (!aws_creds_container(&base, err))
			goto out;
	} else {
		err_set(err,
			"profile %s: credential_source %s: expected Environment, Ec2InstanceMetadata or EcsContainer",
			name, cs);
		goto out;
	}
	erole = sigv4_uri_encode(role, false);
	esess = sigv4_uri_encode(session_name(sess, sname), false);
	eext = ext != NULL ? sigv4_uri_encode(ext, false) : NULL;
	if (erole == NULL || esess == NULL || (ext != NULL && eext == NULL) ||
	    /* As botocore: DurationSeconds only when the profile sets it (STS's default is 1 h). */
	    asprintf(&form, "%s%s%s%s%s%sRoleArn=%s&RoleSessionName=%s", dur != NULL ? "DurationSeconds=" : "",
		     dur != NULL ? dur : "", dur != NULL ? "&" : "", eext != NULL ? "ExternalId=" : "",
		     eext != NULL ? eext : "", eext != NULL ? "&" : "", erole, esess) < 0) {
		form = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "profile %s (role_arn %s, from %s)", name, role, base.source);
	snprintf(src, sizeof(src), "profile %s (role %s)", name, role);
	ok = sts_credentials(where, "AssumeRole", form, &base, what, src, out, err);
out:
	aws_creds_clear(&base);
	str_free_secret(form);
	str_free_secret(ext);
	str_free_secret(eext);
	free(sp);
	free(cs);
	free(sess);
	free(dur);
	free(erole);
	free(esess);
	return ok;
}

/* The credentials of profile `name` in botocore's order: role_arn (when allow_role), static
 * keys (credentials file, then config file), credential_process. 1 found, 0 none, -1 error. */
static int profile_creds(const char *name, const aws_where *where, int depth, bool allow_role, aws_creds *out,
			 sao_err *err)
{
	char *role = NULL, *ak = NULL, *sk = NULL, *tok = NULL, *proc = NULL, *sso = NULL, src[300];
	int ret = -1;

	if (depth > 5) {
		err_set(err, "profile %s: more than 5 profiles chained by source_profile (a loop?)", name);
		return -1;
	}
	if (allow_role && (role = aws_ini_profile_get(name, "role_arn")) != NULL) {
		ret = creds_assume_role(name, role, where, depth, out, err) ? 1 : -1;
		goto out;
	}
	ak = aws_ini_profile_get(name, "aws_access_key_id");
	sk = aws_ini_profile_get(name, "aws_secret_access_key");
	tok = aws_ini_profile_get(name, "aws_session_token");
	if (ak != NULL && sk != NULL) {
		snprintf(src, sizeof(src), "profile %s", name);
		ret = aws_creds_set(out, ak, sk, tok, src, err) ? 1 : -1;
		goto out;
	}
	if (ak != NULL) {
		err_set(err, "profile %s has aws_access_key_id but no aws_secret_access_key", name);
		goto out;
	}
	if ((proc = aws_ini_profile_get(name, "credential_process")) != NULL) {
		ret = creds_process(name, proc, out, err) ? 1 : -1;
		goto out;
	}
	if ((sso = aws_ini_profile_get(name, "sso_session")) != NULL || aws_ini_profile_has(name, "sso_start_url")) {
		ret = aws_creds_sso(name, sso, out, err) ? 1 : -1;
		goto out;
	}
	ret = 0;
out:
	str_free_secret(sk);
	str_free_secret(tok);
	free(ak);
	free(role);
	free(proc);
	free(sso);
	return ret;
}

bool aws_assume_role(const aws_creds *base, const char *role_arn, const char *external_id, const aws_where *where,
		     aws_creds *out, sao_err *err)
{
	char sname[64], what[400], src[300], *erole = sigv4_uri_encode(role_arn, false);
	char *esess = sigv4_uri_encode(session_name(NULL, sname), false);
	char *eext = external_id != NULL ? sigv4_uri_encode(external_id, false) : NULL, *form = NULL;
	bool ok = false;

	if (erole == NULL || esess == NULL || (external_id != NULL && eext == NULL) ||
	    asprintf(&form, "%s%s%sRoleArn=%s&RoleSessionName=%s", eext != NULL ? "ExternalId=" : "",
		     eext != NULL ? eext : "", eext != NULL ? "&" : "", erole, esess) < 0) {
		form = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "--assume-role %s (from %s)", role_arn, base->source);
	snprintf(src, sizeof(src), "role %s", role_arn);
	ok = sts_credentials(where, "AssumeRole", form, base, what, src, out, err);
out:
	str_free_secret(form);
	free(erole);
	free(esess);
	free(eext);
	return ok;
}

bool aws_creds_load(aws_creds *out, const aws_where *where, sao_err *err)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *imds_off = getenv("AWS_EC2_METADATA_DISABLED");
	sao_err imds_err = {""};
	int r;

	memset(out, 0, sizeof(*out));
	if (ak != NULL && ak[0] != '\0') {
		if (sk == NULL || sk[0] == '\0')
			return err_set(err, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
		return aws_creds_set(out, ak, sk, getenv("AWS_SESSION_TOKEN"), "environment (AWS_ACCESS_KEY_ID)", err);
	}
	r = profile_creds(aws_ini_profile(), where, 0, true, out, err);
	if (r != 0)
		return r > 0;
	if (getenv("AWS_PROFILE") != NULL && getenv("AWS_PROFILE")[0] != '\0')
		return err_set(err,
			       "AWS_PROFILE is %s, but no such profile with credentials is in ~/.aws/credentials or "
			       "~/.aws/config",
			       aws_ini_profile());
	if (set_env("AWS_ROLE_ARN") || set_env("AWS_WEB_IDENTITY_TOKEN_FILE")) {
		if (!set_env("AWS_ROLE_ARN") || !set_env("AWS_WEB_IDENTITY_TOKEN_FILE"))
			return err_set(err, "web identity needs both AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE");
		return creds_web_identity(out, where, err);
	}
	if (set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI") || set_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
		return aws_creds_container(out, err);
	if (imds_off == NULL || strcasecmp(imds_off, "true") != 0) {
		if (aws_creds_imds(out, &imds_err))
			return true;
	} else {
		snprintf(imds_err.msg, sizeof(imds_err.msg), "instance metadata disabled (AWS_EC2_METADATA_DISABLED)");
	}
	return err_set(err,
		       "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
		       "AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or run where container or instance "
		       "credentials are available (last tried: %s)",
		       imds_err.msg);
}
