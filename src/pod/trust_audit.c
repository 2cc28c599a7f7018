#include "config.h"

#include "pod/trust_audit.h"

#include "pod/trust_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SA_PREFIX "system:serviceaccount:"

typedef struct audit {
	const char *url; /* HOST/PATH: the provider's part of its condition keys */
	ta_verdict verdict;
	strlist subjects, audiences;
	json_t *findings;
	bool oom;
} audit;

const char *ta_verdict_name(ta_verdict v)
{
	return v == TA_FAIL ? "fail" : v == TA_WARN ? "warn" : "ok";
}

static void find(audit *a, ta_verdict v, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void find(audit *a, ta_verdict v, const char *code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	size_t i;
	json_t *f;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_foreach(a->findings, i, f) /* the same finding from two statements: once */
	{
		if (strcmp(json_string_value(json_object_get(f, "message")), msg) == 0)
			return;
	}
	if (v > a->verdict)
		a->verdict = v;
	if (json_array_append_new(a->findings, json_pack("{s:s, s:s}", "code", code, "message", msg)) != 0)
		a->oom = true;
}

bool ta_providers(const json_t *trust, strlist *out)
{
	const json_t *st;
	const char *p;

	for (size_t i = 0; td_statement(trust, i, &st); i++)
		for (size_t j = 0; td_web_identity(st) && (p = td_nth(td_federated(st), j)) != NULL; j++)
			if (strstr(p, ":oidc-provider/") != NULL && !strlist_has(out, p) && !strlist_add(out, p))
				return false;
	return true;
}

/* Operator kinds as IAM evaluates them for a single-valued claim. */
enum op { OP_EQUALS, OP_LIKE, OP_OTHER };

static enum op op_kind(const char *op)
{
	char base[64];
	size_t n;

	if (strncmp(op, "ForAnyValue:", 12) == 0 || strncmp(op, "ForAllValues:", 13) == 0)
		op = strchr(op, ':') + 1;
	snprintf(base, sizeof(base), "%s", op);
	n = strlen(base);
	if (n > 8 && strcmp(base + n - 8, "IfExists") == 0)
		base[n - 8] = '\0';
	if (strcmp(base, "StringEquals") == 0 || strcmp(base, "StringEqualsIgnoreCase") == 0)
		return OP_EQUALS;
	if (strcmp(base, "StringLike") == 0)
		return OP_LIKE;
	return OP_OTHER;
}

/* A StringLike pattern on :sub: how much of the cluster it lets in. */
static void sub_pattern(audit *a, const char *p)
{
	size_t lit = strcspn(p, "*?"), plen = strlen(SA_PREFIX);
	const char *ns = p + plen, *colon;

	if (p[lit] == '\0')
		return; /* no wildcard: one ServiceAccount */
	if (strncmp(p, SA_PREFIX, lit < plen ? lit : plen) != 0) {
		find(a, TA_WARN, "sub-matches-nothing",
		     "%s:sub StringLike \"%s\" matches no ServiceAccount token (they read " SA_PREFIX "NS:NAME)",
		     a->url, p);
		return;
	}
	colon = lit < plen ? NULL : strchr(ns, ':');
	if (lit < plen || colon == NULL) {
		find(a, TA_FAIL, "any-serviceaccount",
		     "%s:sub StringLike \"%s\" matches every ServiceAccount of the cluster: any pod can assume this "
		     "role",
		     a->url, p);
	} else if ((size_t)(colon - p) > lit) {
		find(a, TA_FAIL, "any-namespace",
		     "%s:sub StringLike \"%s\" matches ServiceAccounts in every namespace: whoever can create a "
		     "namespace and a ServiceAccount there can assume this role",
		     a->url, p);
	} else {
		find(a, TA_WARN, strcmp(colon + 1, "*") == 0 ? "whole-namespace" : "sub-pattern",
		     "%s:sub StringLike \"%s\": every matching ServiceAccount of namespace %.*s can assume this role",
		     a->url, p, (int)(colon - ns), ns);
	}
}

/* One condition key of a statement, with its values. */
static void condition(audit *a, enum op kind, const char *key, const json_t *vals, bool *sub, bool *aud, bool *never)
{
	const char *claim = strrchr(key, ':'), *v;
	size_t plen = claim != NULL ? (size_t)(claim - key) : 0;

	if (claim == NULL || kind == OP_OTHER ||
	    (strcasecmp(claim, ":sub") != 0 && strcasecmp(claim, ":aud") != 0 && strcasecmp(claim, ":amr") != 0))
		return;
	if (strlen(a->url) != plen || strncasecmp(key, a->url, plen) != 0) {
		find(
		    a, TA_FAIL, "condition-key-mismatch",
		    "condition key \"%s\" does not name this provider (%s%s): the condition never matches and the role "
		    "cannot be assumed through it",
		    key, a->url, claim);
		*never = true;
		return;
	}
	for (size_t i = 0; (v = td_nth(vals, i)) != NULL; i++) {
		if (kind == OP_EQUALS && strpbrk(v, "*?") != NULL)
			find(a, TA_FAIL, "wildcard-in-stringequals",
			     "%s StringEquals \"%s\": StringEquals matches the '*' literally; use StringLike for a "
			     "pattern",
			     key, v);
		else if (kind == OP_LIKE && strcasecmp(claim, ":sub") == 0)
			sub_pattern(a, v);
		if ((strcasecmp(claim, ":sub") == 0 && !strlist_has(&a->subjects, v) &&
		     !strlist_add(&a->subjects, v)) ||
		    (strcasecmp(claim, ":aud") == 0 && !strlist_has(&a->audiences, v) &&
		     !strlist_add(&a->audiences, v)))
			a->oom = true;
	}
	*sub = *sub || strcasecmp(claim, ":sub") == 0;
	*aud = *aud || strcasecmp(claim, ":aud") == 0;
}

static void statement(audit *a, const json_t *st)
{
	const char *op, *key;
	json_t *keys, *vals;
	bool sub = false, aud = false, never = false;

	json_object_foreach((json_t *)json_object_get(st, "Condition"), op, keys)
	{
		enum op kind = op_kind(op);

		json_object_foreach(keys, key, vals) condition(a, kind, key, vals, &sub, &aud, &never);
	}
	if (never)
		return; /* the statement allows no one: its :sub and :aud conditions do not matter */
	if (!sub)
		find(a, TA_FAIL, "no-sub-condition",
		     "no condition on %s:sub: every ServiceAccount of the cluster can assume this role", a->url);
	if (!aud)
		find(a, TA_WARN, "no-aud-condition",
		     "no condition on %s:aud: a token minted for any audience of this issuer is accepted", a->url);
}

static json_t *strs(const strlist *l)
{
	json_t *out = json_array();

	for (size_t i = 0; out != NULL && i < l->n; i++)
		json_array_append_new(out, json_string(l->v[i]));
	return out;
}

json_t *ta_role(const json_t *trust, const char *provider_arn, bool *oom)
{
	audit a = {.url = td_provider_url(provider_arn), .findings = json_array()};
	const json_t *st;
	json_t *out = NULL;
	bool any = false;

	for (size_t i = 0; a.findings != NULL && td_statement(trust, i, &st); i++)
		if (td_web_identity(st) && td_lists(td_federated(st), provider_arn, false)) {
			any = true;
			statement(&a, st);
		}
	if (any && a.findings != NULL && !a.oom)
		out = json_pack("{s:s, s:o, s:o, s:O}", "verdict", ta_verdict_name(a.verdict), "subjects",
				strs(&a.subjects), "audiences", strs(&a.audiences), "findings", a.findings);
	*oom = a.findings == NULL || a.oom || (any && out == NULL);
	json_decref(a.findings);
	strlist_clear(&a.subjects);
	strlist_clear(&a.audiences);
	return out;
}
