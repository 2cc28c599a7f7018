#include "config.h"

#include "azure/arm.h"

#include "net/retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_VERSION "2023-01-31"
#define MAX_PAGES 50
#define MAX_ITEMS 1000

/* One segment of a resource ID: what Azure allows in subscription, group and resource names,
 * and nothing that would change the URL. */
static size_t segment(const char *p)
{
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9') ||
	       p[n] == '-' || p[n] == '_' || p[n] == '.' || p[n] == '(' || p[n] == ')')
		n++;
	/* "." and ".." would move the URL's path elsewhere. */
	if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return 0;
	return n >= 1 && n <= 128 ? n : 0;
}

bool az_identity_id_ok(const char *id)
{
	/* Fixed segments (compared as ARM does, without case) and names, in turn. */
	static const char *const shape[] = {
	    "subscriptions",	      NULL, "resourceGroups", NULL, "providers", "Microsoft.ManagedIdentity",
	    "userAssignedIdentities", NULL};
	const char *p = id;

	for (size_t i = 0; i < sizeof(shape) / sizeof(*shape); i++) {
		size_t n;

		if (*p++ != '/' || (n = segment(p)) == 0)
			return false;
		if (shape[i] != NULL && (n != strlen(shape[i]) || strncasecmp(p, shape[i], n) != 0))
			return false;
		p += n;
	}
	return *p == '\0';
}

/* "Code: message" of an ARM error body, or NULL. */
static char *arm_error(const fetch_result *r)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	char *out = NULL;

	if (code != NULL && asprintf(&out, "%s%s%.300s", code, msg != NULL ? ": " : "", msg != NULL ? msg : "") < 0)
		out = NULL;
	json_decref(j);
	return out;
}

static bool refused(const fetch_result *r, const char *id, sao_err *err)
{
	char *why = arm_error(r);

	if (r->status == 403)
		err_set(err,
			"%s: Azure Resource Manager refused (HTTP 403%s%s): the credentials lack "
			"Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read (Reader on "
			"the identity will do)",
			id, why != NULL ? ", " : "", why != NULL ? why : "");
	else if (r->status == 404)
		err_set(err, "%s: no such user-assigned managed identity (HTTP 404%s%s)", id, why != NULL ? ", " : "",
			why != NULL ? why : "");
	else
		err_set(err, "%s: Azure Resource Manager answered HTTP %ld%s%s", id, r->status, why != NULL ? ": " : "",
			why != NULL ? why : "");
	free(why);
	return false;
}

/* Appends one page's "value" to list; *next gets its nextLink (malloc'd) or NULL. */
static bool page(const fetch_result *r, const char *id, json_t *list, char **next, sao_err *err)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *v = json_object_get(j, "value"), *item;
	const char *nl = json_string_value(json_object_get(j, "nextLink"));
	size_t i;
	bool ok = false;

	*next = NULL;
	if (!json_is_array(v)) {
		err_set(err, "%s: Azure Resource Manager's answer is not a list (no \"value\" array)", id);
		goto out;
	}
	json_array_foreach(v, i, item)
	{
		if (json_array_size(list) >= MAX_ITEMS) {
			err_set(err, "%s: more than %d federated identity credentials (Azure allows 20)", id,
				MAX_ITEMS);
			goto out;
		}
		if (json_array_append(list, item) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	if (nl != NULL && nl[0] != '\0' && (*next = strdup(nl)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	json_decref(j);
	return ok;
}

bool az_arm_fics(const char *endpoint, const char *token, const char *id, json_t **list, sao_err *err)
{
	size_t elen = strlen(endpoint);
	char *url = NULL, *next = NULL;
	fetch_result r = {0};
	bool ok = false;

	while (elen > 0 && endpoint[elen - 1] == '/')
		elen--;
	if ((*list = json_array()) == NULL)
		return err_set(err, "out of memory");
	if (!az_identity_id_ok(id)) {
		err_set(err,
			"\"%.200s\" is not a user-assigned managed identity's resource ID (/subscriptions/SUB/"
			"resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)",
			id);
		goto out;
	}
	if (asprintf(&url, "%.*s%s/federatedIdentityCredentials?api-version=" API_VERSION, (int)elen, endpoint, id) <
	    0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	for (int n = 0; url != NULL; n++) {
		if (n == MAX_PAGES) {
			err_set(err, "%s: more than %d pages of federated identity credentials", id, MAX_PAGES);
			goto out;
		}
		if (!fetch_retry_bearer(url, token, "Azure Resource Manager", &r, err))
			goto out;
		if (r.status != 200) {
			refused(&r, id, err);
			goto out;
		}
		if (!page(&r, id, *list, &next, err))
			goto out;
		fetch_result_clear(&r);
		free(url);
		url = next;
		next = NULL;
		/* nextLink is followed on Resource Manager's own origin only: the token goes nowhere else. */
		if (url != NULL && (strncmp(url, endpoint, elen) != 0 || (url[elen] != '/' && url[elen] != '?'))) {
			err_set(err, "%s: Azure Resource Manager's nextLink leaves %.*s: not followed", id, (int)elen,
				endpoint);
			goto out;
		}
	}
	ok = true;
out:
	if (!ok) {
		json_decref(*list);
		*list = NULL;
	}
	fetch_result_clear(&r);
	free(url);
	free(next);
	return ok;
}
