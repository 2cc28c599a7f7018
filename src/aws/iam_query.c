#include "config.h"

#include "aws/iam_query.h"

#include "aws/sigv4.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IAM_VERSION "2010-05-08"

void iam_form_add(iam_form *f, const char *name, const char *value)
{
	char *ev = sigv4_uri_encode(value, false), *ns;
	int r;

	if (ev == NULL) {
		f->oom = true;
		return;
	}
	r = asprintf(&ns, "%s%s%s=%s", f->s != NULL ? f->s : "", f->s != NULL ? "&" : "", name, ev);
	free(ev);
	if (r < 0) {
		f->oom = true;
		return;
	}
	free(f->s);
	f->s = ns;
	f->len = (size_t)r;
}

void iam_form_addf(iam_form *f, const char *value, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	iam_form_add(f, name, value);
}

static const char *explain(const char *code)
{
	static const struct {
		const char *code, *text;
	} map[] = {
	    {"EntityAlreadyExists", "a provider for this URL already exists (created concurrently?); run again"},
	    {"LimitExceeded", "the account has reached IAM's limit of OpenID Connect providers (100), or the provider "
			      "its limit of client IDs (100) or thumbprints (5)"},
	    {"ConcurrentModification", "another change to this provider was in progress; retried, still failing"},
	    {"InvalidInput", "IAM refused a parameter"},
	    {"NoSuchEntity", "the provider no longer exists (deleted concurrently?); run again"},
	    {"OpenIdIdpCommunicationError", "IAM could not reach the issuer to check it: is it served over HTTPS "
					    "from a public address?"},
	    {"SignatureDoesNotMatch", "the secret access key does not match the access key ID"},
	    {"InvalidClientTokenId", "the access key ID is not valid"},
	    {"ServiceFailure", "IAM failed internally; retried, still failing"},
	};

	for (size_t i = 0; code != NULL && i < sizeof(map) / sizeof(*map); i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].text;
	return NULL;
}

/* One IAM action; on success resp holds the 200 answer. */
bool iam_call(const char *action, iam_form *params, const iam_client *iam, aws_response *resp, sao_err *err)
{
	iam_form f = {0};
	sigv4_header *hs = NULL;
	size_t nh = 0;
	bool ok = false;

	iam_form_add(&f, "Action", action);
	iam_form_add(&f, "Version", IAM_VERSION);
	if (params != NULL && params->s != NULL) {
		char *ns = NULL;

		if (asprintf(&ns, "%s&%s", f.s, params->s) < 0)
			f.oom = true;
		else {
			free(f.s);
			f.s = ns;
			f.len = strlen(ns);
		}
	}
	if (f.oom || (params != NULL && params->oom) ||
	    !sigv4_header_add(&hs, &nh, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		/* IAM is one endpoint per partition, signed for the partition's IAM region. */
		aws_request req = {
		    "POST", iam->url, iam->ep.signing_name, iam->ep.signing_region, hs, nh, f.s, f.len, iam->creds,
		    0,	    0};

		if (!aws_send(&req, resp, err)) {
			err_prefix(err, "IAM %s: ", action);
			goto out;
		}
	}
	if (resp->status / 100 != 2) {
		const char *why = aws_clock_hint(resp);

		bool denied = resp->code != NULL && strcmp(resp->code, "AccessDenied") == 0;

		if (why == NULL)
			why = explain(resp->code);
		/* The IAM action of a Query call is its name: say which permission is missing. */
		err_set(err, "IAM %s failed: HTTP %ld %s%s%s%s%s%s%s", action, resp->status,
			resp->code ? resp->code : "", resp->message ? ": " : "", resp->message ? resp->message : "",
			why || denied ? " -- " : "", why ? why : "", denied ? "the credentials lack iam:" : "",
			denied ? action : "");
		goto out;
	}
	ok = true;
out:
	free(f.s);
	sigv4_headers_free(hs, nh);
	return ok;
}

bool iam_write_call(const char *action, iam_form *f, const iam_client *iam, bool dry_run, iam_note_fn note,
		    const char *what, sao_err *err)
{
	aws_response r = {0};
	bool ok;

	if (dry_run) {
		note("would call %s: %s", action, what);
		free(f->s);
		return true;
	}
	ok = iam_call(action, f, iam, &r, err);
	free(f->s);
	aws_response_clear(&r);
	if (ok)
		note("%s: %s", action, what);
	return ok;
}

bool iam_client_init(iam_client *c, const aws_creds *creds, const aws_where *where, sao_err *err)
{
	memset(c, 0, sizeof(*c));
	c->creds = creds;
	if (!aws_endpoint_resolve(AWS_IAM, where != NULL ? where->region : NULL, where != NULL ? &where->ep : NULL,
				  &c->ep, err))
		return false;
	snprintf(c->url, sizeof(c->url), "%s/", c->ep.url);
	return true;
}
