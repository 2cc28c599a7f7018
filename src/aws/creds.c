#include "config.h"

#include "aws/creds.h"

#include "aws/endpoint.h"
#include "aws/send.h"
#include "aws/xml.h"
#include "util/fsio.h"
#include "util/str.h"

#include <ctype.h>
#include <jansson.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- shared config and credentials files (INI) ---- */

static char *home_file(const char *env, const char *rel)
{
	const char *v = getenv(env), *home = getenv("HOME");
	char *p = NULL;

	if (v != NULL && v[0] != '\0')
		return strdup(v);
	if (home == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", home, rel) < 0)
		return NULL;
	return p;
}

char *aws_ini_lookup(const char *text, size_t len, const char *section, const char *key)
{
	const char *p = text, *end = text + len;
	bool in = false;
	char *val = NULL;

	while (val == NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl != NULL ? nl : end) - p);
		char *line = strndup(p, ll), *l, *eq; /* any length: a session token can be long */
		size_t n;

		p = nl != NULL ? nl + 1 : end;
		if (line == NULL)
			return NULL;
		n = strlen(line); /* strndup stops at a NUL: not ll */
		l = str_trim(line);
		if (l[0] == '[') {
			char *close = strchr(l, ']');

			if (close != NULL) {
				*close = '\0';
				in = strcmp(str_trim(l + 1), section) == 0;
			}
		} else if (in && l[0] != '#' && l[0] != ';' && (eq = strchr(l, '=')) != NULL) {
			*eq = '\0';
			if (strcmp(str_trim(l), key) == 0)
				val = strdup(str_trim(eq + 1));
		}
		OPENSSL_clear_free(line, n);
	}
	return val;
}

/* Looks up `key` in section `section` of an INI file; malloc'd value or NULL. */
static char *ini_get(const char *path, const char *section, const char *key)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *val;
	sao_err err;

	if (path == NULL || !fs_read_file(path, 1024 * 1024, &buf, &len, &err))
		return NULL;
	val = aws_ini_lookup((const char *)buf, len, section, key);
	OPENSSL_clear_free(buf, len + 1);
	return val;
}

static const char *profile_name(void)
{
	const char *p = getenv("AWS_PROFILE");

	return p != NULL && p[0] != '\0' ? p : "default";
}

/* In ~/.aws/config the section is "profile NAME", except for "default". */
static char *config_get(const char *key)
{
	char *path = home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL, *v = NULL;
	const char *name = profile_name();

	if (path == NULL)
		return NULL;
	if (strcmp(name, "default") == 0 ? (section = strdup("default")) != NULL
					 : asprintf(&section, "profile %s", name) >= 0)
		v = ini_get(path, section, key);
	free(section);
	free(path);
	return v;
}

char *aws_region(const char *flag)
{
	const char *e;

	if (flag != NULL && flag[0] != '\0')
		return strdup(flag);
	if ((e = getenv("AWS_REGION")) != NULL && e[0] != '\0')
		return strdup(e);
	if ((e = getenv("AWS_DEFAULT_REGION")) != NULL && e[0] != '\0')
		return strdup(e);
	return config_get("region");
}

bool aws_where_init(aws_where *w, const char *region_flag, bool fips_flag, sao_err *err)
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
	return true;
}

void aws_where_clear(aws_where *w)
{
	free(w->region);
	w->region = NULL;
}

static bool set_creds(aws_creds *c, const char *ak, const char *sk, const char *tok, const char *source, sao_err *err)
{
	c->access_key = strdup(ak);
	c->secret_key = strdup(sk);
	c->token = tok != NULL && tok[0] != '\0' ? strdup(tok) : NULL;
	c->source = strdup(source);
	if (c->access_key == NULL || c->secret_key == NULL || c->source == NULL ||
	    (tok != NULL && tok[0] != '\0' && c->token == NULL)) {
		aws_creds_clear(c);
		return err_set(err, "out of memory");
	}
	return true;
}

/* 1 found, 0 no such profile (and none was asked for), -1 error. */
static int creds_from_profile(aws_creds *out, sao_err *err)
{
	const char *name = profile_name();
	bool explicit = getenv("AWS_PROFILE") != NULL && getenv("AWS_PROFILE")[0] != '\0';
	char *path = NULL, *pak = NULL, *psk = NULL, *ptok = NULL, *src = NULL;
	static const char *const unsupported[] = {"role_arn", "credential_process", "sso_start_url", "sso_session"};
	int ret = -1;

	path = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	pak = ini_get(path, name, "aws_access_key_id");
	psk = ini_get(path, name, "aws_secret_access_key");
	ptok = ini_get(path, name, "aws_session_token");
	if (pak == NULL) {
		/* ~/.aws/config may hold static keys too */
		free(psk);
		free(ptok);
		pak = config_get("aws_access_key_id");
		psk = config_get("aws_secret_access_key");
		ptok = config_get("aws_session_token");
	}
	if (pak != NULL && psk != NULL) {
		if (asprintf(&src, "profile %s", name) < 0)
			src = NULL;
		ret = src != NULL && set_creds(out, pak, psk, ptok, src, err) ? 1 : -1;
		if (src == NULL)
			err_set(err, "out of memory");
		goto out;
	}
	if (pak != NULL) {
		err_set(err, "profile %s has aws_access_key_id but no aws_secret_access_key", name);
		goto out;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported); i++) {
		char *v = config_get(unsupported[i]);

		if (v == NULL)
			v = ini_get(path, name, unsupported[i]);
		if (v != NULL) {
			free(v);
			err_set(err, "profile %s uses %s, which saoidc does not support yet: export "
				     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (e.g. from `aws "
				     "configure export-credentials --profile %s --format env`)",
				name, unsupported[i], name);
			goto out;
		}
	}
	if (explicit) {
		err_set(err, "AWS_PROFILE is %s, but no such profile with keys is in %s or the config file", name,
			path != NULL ? path : "~/.aws/credentials");
		goto out;
	}
	ret = 0;
out:
	if (psk != NULL)
		OPENSSL_cleanse(psk, strlen(psk));
	if (ptok != NULL)
		OPENSSL_cleanse(ptok, strlen(ptok));
	free(pak);
	free(psk);
	free(ptok);
	free(src);
	free(path);
	return ret;
}

/* A token or secret file: at most 64 KiB (a web identity token is about 1 KiB), trimmed. */
static bool read_secret_file(const char *path, char **out, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t n = 0;

	*out = NULL;
	if (!fs_read_file(path, 64 * 1024, &buf, &n, err))
		return false;
	*out = strdup(str_trim((char *)buf));
	OPENSSL_clear_free(buf, n);
	if (*out == NULL)
		return err_set(err, "out of memory");
	if ((*out)[0] == '\0') {
		free(*out);
		*out = NULL;
		return err_set(err, "%s is empty", path);
	}
	return true;
}

static bool creds_web_identity(aws_creds *out, const aws_where *where, sao_err *err)
{
	const char *role = getenv("AWS_ROLE_ARN"), *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *session = getenv("AWS_ROLE_SESSION_NAME");
	char *token = NULL, *etoken = NULL, *erole = NULL, *esess = NULL, *body = NULL, *url = NULL;
	char *ak = NULL, *sk = NULL, *st = NULL, sname[64];
	aws_endpoint ep;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	aws_response r = {0};
	bool ok = false;

	if (!read_secret_file(file, &token, err)) {
		err_prefix(err, "AWS_WEB_IDENTITY_TOKEN_FILE: ");
		return false;
	}
	if (session == NULL || session[0] == '\0') {
		snprintf(sname, sizeof(sname), "saoidc-%ld", (long)time(NULL));
		session = sname;
	}
	etoken = sigv4_uri_encode(token, false);
	erole = sigv4_uri_encode(role, false);
	esess = sigv4_uri_encode(session, false);
	/* Without a region, STS in us-east-1, as the SDKs' regional default does. */
	if (!aws_endpoint_resolve(AWS_STS, where != NULL && where->region != NULL ? where->region : "us-east-1",
				  where != NULL ? &where->ep : NULL, &ep, err)) {
		err_prefix(err, "web identity: ");
		goto out;
	}
	if (asprintf(&url, "%s/", ep.url) < 0)
		url = NULL;
	if (etoken == NULL || erole == NULL || esess == NULL || url == NULL ||
	    asprintf(&body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s&RoleSessionName=%s&"
			    "WebIdentityToken=%s", erole, esess, etoken) < 0 ||
	    !sigv4_header_add(&hs, &nh, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")) {
		body = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	{
		/* AssumeRoleWithWebIdentity is not signed: the token is the credential. */
		aws_request req = {"POST", url, ep.signing_name, ep.signing_region, hs, nh, body, strlen(body),
				   NULL, 0, 0};

		if (!aws_send(&req, &r, err)) {
			err_prefix(err, "web identity (AWS_ROLE_ARN %s): ", role);
			goto out;
		}
	}
	if (r.status != 200) {
		err_set(err, "web identity: STS AssumeRoleWithWebIdentity for %s failed: HTTP %ld %s%s%s", role, r.status,
			r.code != NULL ? r.code : "", r.message != NULL ? ": " : "", r.message != NULL ? r.message : "");
		goto out;
	}
	ak = aws_xml_text(r.body, r.body_len, "AccessKeyId");
	sk = aws_xml_text(r.body, r.body_len, "SecretAccessKey");
	st = aws_xml_text(r.body, r.body_len, "SessionToken");
	if (ak == NULL || sk == NULL || st == NULL) {
		err_set(err, "web identity: STS answered without credentials");
		goto out;
	}
	{
		char src[300];

		snprintf(src, sizeof(src), "web identity (%s)", role);
		ok = set_creds(out, ak, sk, st, src, err);
	}
out:
	if (token != NULL)
		OPENSSL_clear_free(token, strlen(token));
	if (etoken != NULL)
		OPENSSL_clear_free(etoken, strlen(etoken));
	if (body != NULL)
		OPENSSL_clear_free(body, strlen(body));
	if (sk != NULL)
		OPENSSL_clear_free(sk, strlen(sk));
	if (st != NULL)
		OPENSSL_clear_free(st, strlen(st));
	free(ak);
	free(erole);
	free(esess);
	free(url);
	sigv4_headers_free(hs, nh);
	aws_response_clear(&r);
	return ok;
}

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
		ok = set_creds(out, ak, sk, tok, source, err);
	json_decref(j);
	return ok;
}

static bool creds_container(aws_creds *out, sao_err *err)
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
		if (!read_secret_file(tokfile, &filetok, err)) {
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

static bool creds_imds(aws_creds *out, sao_err *err)
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
			err_set(err, "instance metadata: no IAM role is attached to this instance (HTTP %ld)", r.status);
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

		if (erole == NULL || asprintf(&url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int)bl, base,
					      erole) < 0) {
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

static bool set_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
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
		return set_creds(out, ak, sk, getenv("AWS_SESSION_TOKEN"), "environment (AWS_ACCESS_KEY_ID)", err);
	}
	r = creds_from_profile(out, err);
	if (r != 0)
		return r > 0;
	if (set_env("AWS_ROLE_ARN") || set_env("AWS_WEB_IDENTITY_TOKEN_FILE")) {
		if (!set_env("AWS_ROLE_ARN") || !set_env("AWS_WEB_IDENTITY_TOKEN_FILE"))
			return err_set(err, "web identity needs both AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE");
		return creds_web_identity(out, where, err);
	}
	if (set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI") || set_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
		return creds_container(out, err);
	if (imds_off == NULL || strcasecmp(imds_off, "true") != 0) {
		if (creds_imds(out, &imds_err))
			return true;
	} else {
		snprintf(imds_err.msg, sizeof(imds_err.msg), "instance metadata disabled (AWS_EC2_METADATA_DISABLED)");
	}
	return err_set(err, "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
			    "AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or run where container or instance "
			    "credentials are available (last tried: %s)", imds_err.msg);
}
