#include "config.h"

#include "net/oauth.h"

#include "net/retry.h"
#include "util/url.h"
#include "util/str.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *oauth_form(const char *const *pairs)
{
	char *out = strdup("");

	for (size_t i = 0; out != NULL && pairs[i] != NULL; i += 2) {
		char *v = url_encode(pairs[i + 1], false), *n = NULL;

		if (v == NULL || asprintf(&n, "%s%s%s=%s", out, out[0] ? "&" : "", pairs[i], v) < 0)
			n = NULL;
		str_free_secret(v);
		str_free_secret(out);
		out = n;
	}
	return out;
}

/* The token from a 2xx JSON answer, or the endpoint's reason. */
static bool read_answer(const fetch_result *r, const char *url, const char *field, const char *what, char **token,
			long *expires_in, sao_err *err)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *tok = json_string_value(json_object_get(j, field));
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *d = json_string_value(json_object_get(j, "error_description"));
	json_t *em = json_object_get(j, "error");
	bool ok = false;

	if (e == NULL && json_is_object(em)) /* Google's IAM: {"error": {"message": ...}} */
		e = json_string_value(json_object_get(em, "message"));
	if (r->status / 100 == 2 && tok != NULL && tok[0] != '\0') {
		if ((*token = strdup(tok)) == NULL)
			err_set(err, "out of memory");
		else
			ok = true;
		if (expires_in != NULL)
			*expires_in = (long)json_integer_value(json_object_get(j, "expires_in"));
	} else if (r->status / 100 == 2) {
		err_set(err, "%s: %s answered without \"%s\"", what, url, field);
	} else {
		size_t dl = d != NULL ? strcspn(d, "\r\n") : 0;

		err_set(err, "%s: %s refused it: HTTP %ld%s%s%s%.*s", what, url, r->status, e != NULL ? " " : "",
			e != NULL ? e : "", dl > 0 ? ": " : "", (int)(dl > 300 ? 300 : dl), d != NULL ? d : "");
	}
	json_decref(j);
	return ok;
}

static bool post(const char *url, const char *body, const char *ctype, const char *bearer, const char *field,
		 const char *what, char **token, long *expires_in, sao_err *err)
{
	char ct[80], *auth = NULL;
	const char *hs[3] = {ct, "Accept: application/json", NULL};
	fetch_result r = {0};
	bool ok = false;

	*token = NULL;
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
	if (bearer != NULL && asprintf(&auth, "Authorization: Bearer %s", bearer) < 0)
		return err_set(err, "out of memory");
	hs[2] = auth;
	{
		fetch_req q = {.method = "POST",
			       .url = url,
			       .headers = hs,
			       .nheaders = auth != NULL ? 3 : 2,
			       .body = body,
			       .body_len = strlen(body),
			       .max_body = 256 * 1024};

		if (!fetch_retry(&q, 0, &r, err)) {
			err_prefix(err, "%s: ", what);
			goto out;
		}
	}
	ok = read_answer(&r, url, field, what, token, expires_in, err);
out:
	fetch_result_clear(&r);
	str_free_secret(auth);
	return ok;
}

bool oauth_token(const char *url, const char *form, const char *field, const char *what, char **token, long *expires_in,
		 sao_err *err)
{
	return post(url, form, "application/x-www-form-urlencoded", NULL, field, what, token, expires_in, err);
}

bool oauth_token_json(const char *url, const char *json, const char *bearer, const char *field, const char *what,
		      char **token, sao_err *err)
{
	return post(url, json, "application/json", bearer, field, what, token, NULL, err);
}
