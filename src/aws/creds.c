#include "config.h"

#include "aws/creds.h"

#include "aws/endpoint.h"
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

/* ---- shared config and credentials files (INI) ---- */

static char *home_file(const char *env, const char *rel)
{
	const char *v = env != NULL ? getenv(env) : NULL, *home = getenv("HOME");
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
		aws_request req = {"POST", url, ep.signing_name, ep.signing_region, hs, nh, body, strlen(body), signer, 0, 0};

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
	ok = set_creds(out, ak, sk, st, source, err);
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
		aws_request req = {"POST", url, ep.signing_name, ep.signing_region, hs, nh, body, strlen(body), c, 0, 0};

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

	if (!read_secret_file(file, &token, err)) {
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

/* A profile's key: the credentials file's [NAME] first, then the config file's. */
static char *profile_get(const char *name, const char *key)
{
	char *path = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), *v = ini_get(path, name, key);

	free(path);
	if (v == NULL) {
		char *cfg = home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL;

		if (cfg != NULL && (strcmp(name, "default") == 0 ? (section = strdup("default")) != NULL
								  : asprintf(&section, "profile %s", name) >= 0))
			v = ini_get(cfg, section, key);
		free(section);
		free(cfg);
	}
	return v;
}

static bool profile_get_has(const char *name, const char *key)
{
	char *v = profile_get(name, key);

	free(v);
	return v != NULL;
}

static void free_secret(char *s)
{
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
}

/* credential_process: runs the command through /bin/sh as the CLI does and reads its JSON
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}), at most
 * 64 KiB, within PROCESS_DEADLINE_MS (util/proc). Its stderr is the user's. */
#define PROCESS_DEADLINE_MS 30000L
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
		err_set(err, "profile %s: credential_process did not print {\"Version\": 1, \"AccessKeyId\": ..., "
			     "\"SecretAccessKey\": ...}",
			name);
		goto out;
	}
	snprintf(src, sizeof(src), "profile %s (credential_process)", name);
	ok = set_creds(out, json_string_value(json_object_get(j, "AccessKeyId")),
		       json_string_value(json_object_get(j, "SecretAccessKey")),
		       json_string_value(json_object_get(j, "SessionToken")), src, err);
out:
	json_decref(j);
	proc_output_free(buf, n);
	return ok;
}

static int profile_creds(const char *name, const aws_where *where, int depth, bool allow_role, aws_creds *out,
			 sao_err *err);

/* A key of the config file's [sso-session NAME] section. */
static char *sso_session_get(const char *session, const char *key)
{
	char *cfg = home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL, *v = NULL;

	if (cfg != NULL && asprintf(&section, "sso-session %s", session) >= 0)
		v = ini_get(cfg, section, key);
	free(section);
	free(cfg);
	return v;
}

/* "2026-12-02T10:00:00Z" (or with fractional seconds, or UTC): seconds since the epoch; 0 if
 * unreadable. */
static time_t rfc3339(const char *s)
{
	struct tm tm = {0};

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
				&tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* IAM Identity Center (SSO): the access token `aws sso login` left in the CLI's cache
 * (~/.aws/sso/cache/SHA1.json, SHA1 of the sso_session name, or of sso_start_url for a legacy
 * profile), then the portal's GetRoleCredentials for sso_account_id and sso_role_name. No
 * login flow: a missing or expired token says to run aws sso login. */
static bool creds_sso(const char *name, const char *session, aws_creds *out, sao_err *err)
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
		start = sso_session_get(session, "sso_start_url");
		region = sso_session_get(session, "sso_region");
	} else {
		start = profile_get(name, "sso_start_url");
		region = profile_get(name, "sso_region");
	}
	account = profile_get(name, "sso_account_id");
	role = profile_get(name, "sso_role_name");
	if (start == NULL || region == NULL || account == NULL || role == NULL) {
		err_set(err, "profile %s: SSO needs sso_start_url and sso_region (%s), sso_account_id and sso_role_name",
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
		char *dir = home_file(NULL, ".aws/sso/cache");

		if (dir == NULL || asprintf(&cache, "%s/%s.json", dir, hex) < 0)
			cache = NULL;
		free(dir);
	}
	if (cache == NULL || !fs_read_file(cache, 1024 * 1024, &buf, &n, NULL) ||
	    (tok = json_loadb((const char *)buf, n, 0, NULL)) == NULL ||
	    (access = json_string_value(json_object_get(tok, "accessToken"))) == NULL) {
		err_set(err, "profile %s: no SSO login in the AWS CLI's cache: run `aws sso login --profile %s`", name, name);
		goto out;
	}
	if (rfc3339(json_string_value(json_object_get(tok, "expiresAt"))) <= time(NULL)) {
		err_set(err, "profile %s: the SSO login has expired: run `aws sso login --profile %s`", name, name);
		goto out;
	}
	if ((base == NULL || base[0] == '\0') && (base = getenv("AWS_ENDPOINT_URL")) != NULL && base[0] == '\0')
		base = NULL;
	if ((base != NULL ? asprintf(&url, "%s/federation/credentials?account_id=%s&role_name=%s", base, account, role)
			  : asprintf(&url, "https://portal.sso.%s.%s/federation/credentials?account_id=%s&role_name=%s", region,
				     part->dns_suffix, account, role)) < 0 ||
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
		err_set(err, "profile %s: the SSO portal refused the login (HTTP %ld): run `aws sso login --profile %s`; "
			     "or the role %s is not assigned to you in account %s", name, r.status, name, role, account);
		goto out;
	}
	rc = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	{
		const json_t *c = json_object_get(rc, "roleCredentials");
		const char *ak = json_string_value(json_object_get(c, "accessKeyId"));
		const char *sk = json_string_value(json_object_get(c, "secretAccessKey"));

		if (ak == NULL || sk == NULL) {
			err_set(err, "profile %s: SSO GetRoleCredentials answered HTTP %ld without credentials", name, r.status);
			goto out;
		}
		snprintf(src, sizeof(src), "profile %s (SSO role %s in %s)", name, role, account);
		ok = set_creds(out, ak, sk, json_string_value(json_object_get(c, "sessionToken")), src, err);
	}
out:
	json_decref(tok);
	json_decref(rc);
	if (buf != NULL)
		OPENSSL_clear_free(buf, n + 1);
	free_secret(hdr);
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
static bool creds_assume_role(const char *name, const char *role, const aws_where *where, int depth, aws_creds *out,
			      sao_err *err)
{
	char *sp = profile_get(name, "source_profile"), *cs = profile_get(name, "credential_source");
	char *sess = profile_get(name, "role_session_name"), *ext = profile_get(name, "external_id");
	char *dur = profile_get(name, "duration_seconds");
	char *erole = NULL, *esess = NULL, *eext = NULL, *form = NULL, sname[64], what[300], src[300];
	aws_creds base = {0};
	long secs = 3600;
	bool ok = false;

	if ((sp == NULL) == (cs == NULL)) {
		err_set(err, "profile %s has role_arn: give it either source_profile or credential_source (it has %s)", name,
			sp != NULL ? "both" : "neither");
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
			err_set(err, "profile %s: credential_source Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
				     "are not set", name);
			goto out;
		}
		if (!set_creds(&base, ak, sk, getenv("AWS_SESSION_TOKEN"), "environment", err))
			goto out;
	} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
		if (!creds_imds(&base, err))
			goto out;
	} else if (strcmp(cs, "EcsContainer") == 0) {
		if (!creds_container(&base, err))
			goto out;
	} else {
		err_set(err, "profile %s: credential_source %s: expected Environment, Ec2InstanceMetadata or EcsContainer",
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
	free_secret(form);
	free_secret(ext);
	free_secret(eext);
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
	if (allow_role && (role = profile_get(name, "role_arn")) != NULL) {
		ret = creds_assume_role(name, role, where, depth, out, err) ? 1 : -1;
		goto out;
	}
	ak = profile_get(name, "aws_access_key_id");
	sk = profile_get(name, "aws_secret_access_key");
	tok = profile_get(name, "aws_session_token");
	if (ak != NULL && sk != NULL) {
		snprintf(src, sizeof(src), "profile %s", name);
		ret = set_creds(out, ak, sk, tok, src, err) ? 1 : -1;
		goto out;
	}
	if (ak != NULL) {
		err_set(err, "profile %s has aws_access_key_id but no aws_secret_access_key", name);
		goto out;
	}
	if ((proc = profile_get(name, "credential_process")) != NULL) {
		ret = creds_process(name, proc, out, err) ? 1 : -1;
		goto out;
	}
	if ((sso = profile_get(name, "sso_session")) != NULL || profile_get_has(name, "sso_start_url")) {
		ret = creds_sso(name, sso, out, err) ? 1 : -1;
		goto out;
	}
	ret = 0;
out:
	free_secret(sk);
	free_secret(tok);
	free(ak);
	free(role);
	free(proc);
	free(sso);
	return ret;
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
	r = profile_creds(profile_name(), where, 0, true, out, err);
	if (r != 0)
		return r > 0;
	if (getenv("AWS_PROFILE") != NULL && getenv("AWS_PROFILE")[0] != '\0')
		return err_set(err, "AWS_PROFILE is %s, but no such profile with credentials is in ~/.aws/credentials or "
				    "~/.aws/config",
			       profile_name());
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
