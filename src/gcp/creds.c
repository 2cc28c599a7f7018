#include "config.h"

#include "gcp/creds.h"

#include "jose/jwt.h"
#include "net/fetch.h"
#include "net/oauth.h"
#include "util/fsio.h"
#include "util/str.h"
#include "util/url.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GOOGLE_TOKEN_URI "https://oauth2.googleapis.com/token"
#define GOOGLE_STS_URI "https://sts.googleapis.com/v1/token"

void gcp_creds_clear(gcp_creds *c)
{
	const char *scope = c->scope;

	str_free_secret(c->token);
	memset(c, 0, sizeof(*c));
	c->scope = scope;
}

static const char *field(const json_t *j, const char *name)
{
	const char *v = json_string_value(json_object_get(j, name));

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A URL a token or a secret is sent to: https only. */
static bool https_ok(const char *url, const char *file, const char *name, sao_err *err)
{
	if (strncmp(url, "https://", 8) == 0)
		return true;
	return err_set(err, "%s: %s \"%s\" is not an https:// URL (a credential would go over plain http)", file, name,
		       url);
}

/* service_account: the JWT-bearer grant (RFC 7523) at token_uri. */
static bool service_account(const json_t *j, const char *file, gcp_creds *c, sao_err *err)
{
	const char *email = field(j, "client_email"), *pem = field(j, "private_key"), *kid = field(j, "private_key_id");
	const char *uri = field(j, "token_uri") != NULL ? field(j, "token_uri") : GOOGLE_TOKEN_URI;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	json_t *claims = NULL;
	char *assertion = NULL, *form = NULL;
	time_t now = time(NULL);
	bool ok = false;

	if (email == NULL || pem == NULL)
		return err_set(err, "%s: a service_account key needs client_email and private_key", file);
	if (!https_ok(uri, file, "token_uri", err))
		return false;
	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		err_ssl(err, "%s: private_key is not a PEM private key", file);
		goto out;
	}
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", email, "scope", c->scope, "aud", uri, "iat",
			   (json_int_t)now, "exp", (json_int_t)now + 3600);
	if (claims == NULL || (assertion = jwt_sign_rs256(pkey, kid, claims, err)) == NULL) {
		if (claims == NULL)
			err_set(err, "out of memory");
		goto out;
	}
	{
		const char *pairs[] = {"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion",
				       assertion, NULL};

		if ((form = oauth_form(pairs)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	ok = oauth_token(uri, form, "access_token", "Google service account token (JWT grant)", &c->token, NULL, err);
	snprintf(c->source, sizeof(c->source), "service account %.100s", email);
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	json_decref(claims);
	str_free_secret(assertion);
	str_free_secret(form);
	return ok;
}

/* external_account: the subject token from its file, as text or a JSON field. */
static bool subject_token(const json_t *src, const char *file, char **tok, sao_err *err)
{
	const char *path = field(src, "file"), *type = field(json_object_get(src, "format"), "type");
	const char *name = field(json_object_get(src, "format"), "subject_token_field_name");
	json_t *j = NULL;
	char *text = NULL;
	bool ok = false;

	if (path == NULL)
		return err_set(err,
			       "%s: credential_source must name a file (a url or executable source is not "
			       "supported; mount the token as a file)",
			       file);
	if (!fs_read_secret(path, &text, err)) {
		err_prefix(err, "%s: credential_source.file: ", file);
		return false;
	}
	if (type == NULL || strcmp(type, "text") == 0) {
		*tok = text;
		return true;
	}
	if (strcmp(type, "json") != 0 || name == NULL || (j = json_loads(text, 0, NULL)) == NULL ||
	    field(j, name) == NULL) {
		err_set(err, "%s: credential_source.format: the subject token is not in %s's field \"%s\"", file, path,
			name != NULL ? name : "?");
		goto out;
	}
	ok = (*tok = strdup(field(j, name))) != NULL || (err_set(err, "out of memory"), false);
out:
	json_decref(j);
	str_free_secret(text);
	return ok;
}

/* external_account: Google STS's token exchange (RFC 8693), then the service account's token
 * when impersonating. */
static bool external_account(const json_t *j, const char *file, gcp_creds *c, sao_err *err)
{
	const char *aud = field(j, "audience"), *stt = field(j, "subject_token_type");
	const char *url = field(j, "token_url") != NULL ? field(j, "token_url") : GOOGLE_STS_URI;
	const char *imp = field(j, "service_account_impersonation_url");
	char *subject = NULL, *form = NULL, *sts = NULL;
	bool ok = false;

	if (aud == NULL || stt == NULL)
		return err_set(err, "%s: an external_account needs audience and subject_token_type", file);
	if (!https_ok(url, file, "token_url", err) ||
	    (imp != NULL && !https_ok(imp, file, "service_account_impersonation_url", err)) ||
	    !subject_token(json_object_get(j, "credential_source"), file, &subject, err))
		return false;
	{
		const char *pairs[] = {"grant_type",
				       "urn:ietf:params:oauth:grant-type:token-exchange",
				       "audience",
				       aud,
				       "scope",
				       imp != NULL ? GCP_SCOPE_CLOUD : c->scope,
				       "requested_token_type",
				       "urn:ietf:params:oauth:token-type:access_token",
				       "subject_token_type",
				       stt,
				       "subject_token",
				       subject,
				       NULL};

		if ((form = oauth_form(pairs)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	if (!oauth_token(url, form, "access_token", "Google STS token exchange (workload identity federation)",
			 imp != NULL ? &sts : &c->token, NULL, err))
		goto out;
	if (imp != NULL) {
		char *req = NULL;
		bool got;

		if (asprintf(&req, "{\"scope\":[\"%s\"],\"lifetime\":\"3600s\"}", c->scope) < 0) {
			err_set(err, "out of memory");
			goto out;
		}
		got = oauth_token_json(imp, req, sts, "accessToken", "Google service account impersonation", &c->token,
				       err);
		free(req);
		if (!got)
			goto out;
	}
	snprintf(c->source, sizeof(c->source), "workload identity federation (%.120s)", aud);
	ok = true;
out:
	str_free_secret(subject);
	str_free_secret(form);
	str_free_secret(sts);
	return ok;
}

/* authorized_user: the refresh-token grant. */
static bool authorized_user(const json_t *j, const char *file, gcp_creds *c, sao_err *err)
{
	const char *id = field(j, "client_id"), *secret = field(j, "client_secret"), *rt = field(j, "refresh_token");
	const char *uri = field(j, "token_uri") != NULL ? field(j, "token_uri") : GOOGLE_TOKEN_URI;
	char *form = NULL;
	bool ok;

	if (id == NULL || secret == NULL || rt == NULL)
		return err_set(err, "%s: authorized_user needs client_id, client_secret and refresh_token", file);
	if (!https_ok(uri, file, "token_uri", err))
		return false;
	{
		const char *pairs[] = {"grant_type", "refresh_token", "client_id", id,	"client_secret",
				       secret,	     "refresh_token", rt,	   NULL};

		if ((form = oauth_form(pairs)) == NULL)
			return err_set(err, "out of memory");
	}
	ok = oauth_token(uri, form, "access_token", "Google user credentials (refresh token)", &c->token, NULL, err);
	snprintf(c->source, sizeof(c->source), "user credentials (%.120s)", file);
	str_free_secret(form);
	return ok;
}

static bool from_file(const char *file, gcp_creds *c, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *j = NULL;
	const char *type;
	bool ok = false;

	if (!fs_read_file(file, 64 * 1024, &buf, &len, err)) {
		err_prefix(err, "Google credentials %s: ", file);
		return false;
	}
	if ((j = json_loadb((const char *)buf, len, 0, NULL)) == NULL || (type = field(j, "type")) == NULL) {
		err_set(err, "%s: not a Google credentials file (JSON with a \"type\")", file);
		goto out;
	}
	if (strcmp(type, "service_account") == 0)
		ok = service_account(j, file, c, err);
	else if (strcmp(type, "external_account") == 0)
		ok = external_account(j, file, c, err);
	else if (strcmp(type, "authorized_user") == 0)
		ok = authorized_user(j, file, c, err);
	else
		err_set(err,
			"%s: credentials of type \"%s\" are not supported (service_account, external_account, "
			"authorized_user)",
			file, type);
out:
	json_decref(j);
	if (buf != NULL)
		OPENSSL_clear_free(buf, len);
	return ok;
}

/* The metadata server: false in *found when nothing answers there. */
static bool from_metadata(gcp_creds *c, bool *found, sao_err *err)
{
	const char *host = str_env("GCE_METADATA_HOST") != NULL ? str_env("GCE_METADATA_HOST") : "169.254.169.254";
	const char *hs[] = {"Metadata-Flavor: Google"};
	char url[300], *scope = url_encode(c->scope, false);
	fetch_result r = {0};
	json_t *j = NULL;
	sao_err ferr = {""};
	bool ok = false;

	*found = false;
	if (scope == NULL)
		return err_set(err, "out of memory");
	snprintf(url, sizeof(url), "http://%s/computeMetadata/v1/instance/service-accounts/default/token?scopes=%s",
		 host, scope);
	free(scope);
	{
		fetch_req q = {
		    .url = url, .headers = hs, .nheaders = 1, .timeout_ms = 3000, .connect_timeout_ms = 1000};

		if (!fetch_do(&q, &r, &ferr))
			return true; /* no metadata server here */
	}
	*found = true;
	j = r.body != NULL ? json_loadb(r.body, r.len, 0, NULL) : NULL;
	if (r.status != 200 || field(j, "access_token") == NULL) {
		err_set(err,
			"the GCE metadata server (%s) gave no token: HTTP %ld (does the instance have a service "
			"account with the scope %s?)",
			host, r.status, c->scope);
		goto out;
	}
	if ((c->token = strdup(field(j, "access_token"))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	snprintf(c->source, sizeof(c->source), "the GCE metadata server (%.100s)", host);
	ok = true;
out:
	json_decref(j);
	fetch_result_clear(&r);
	return ok;
}

bool gcp_creds_load(gcp_creds *c, const char *scope, bool need, sao_err *err)
{
	const char *file = str_env("GOOGLE_APPLICATION_CREDENTIALS"), *cfg = str_env("CLOUDSDK_CONFIG"),
		   *home = str_env("HOME");
	const char *skip = str_env("NO_GCE_CHECK");
	char adc[512] = "";
	bool found = false;

	memset(c, 0, sizeof(*c));
	c->scope = scope;
	if (file != NULL)
		return from_file(file, c, err) || (gcp_creds_clear(c), false);
	if (cfg != NULL || home != NULL)
		snprintf(adc, sizeof(adc), "%s%s/application_default_credentials.json", cfg != NULL ? cfg : home,
			 cfg != NULL ? "" : "/.config/gcloud");
	if (adc[0] != '\0' && access(adc, R_OK) == 0)
		return from_file(adc, c, err) || (gcp_creds_clear(c), false);
	if (skip == NULL || strcmp(skip, "true") != 0) {
		if (!from_metadata(c, &found, err)) {
			gcp_creds_clear(c);
			return false;
		}
		if (found)
			return true;
	}
	snprintf(c->source, sizeof(c->source), "none");
	if (need)
		return err_set(err, "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service account "
				    "key or a workload identity federation (external_account) file, run `gcloud auth "
				    "application-default login`, or run on GCE/GKE with a service account");
	return true;
}
