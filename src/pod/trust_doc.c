#include "config.h"

#include "pod/trust_doc.h"

#include <string.h>
#include <strings.h>

#define ARN_MARK ":oidc-provider/"

bool td_statement(const json_t *trust, size_t i, const json_t **st)
{
	const json_t *all = json_object_get(trust, "Statement");

	*st = json_is_object(all) ? (i == 0 ? all : NULL) : json_array_get(all, i);
	return *st != NULL;
}

const char *td_nth(const json_t *v, size_t i)
{
	if (json_is_string(v))
		return i == 0 ? json_string_value(v) : NULL;
	return json_string_value(json_array_get(v, i));
}

bool td_lists(const json_t *v, const char *want, bool ignore_case)
{
	const char *s;

	for (size_t i = 0; (s = td_nth(v, i)) != NULL; i++)
		if (ignore_case ? strcasecmp(s, want) == 0 : strcmp(s, want) == 0)
			return true;
	return false;
}

bool td_web_identity(const json_t *st)
{
	const json_t *act = json_object_get(st, "Action");

	return json_is_string(json_object_get(st, "Effect")) &&
	       strcmp(json_string_value(json_object_get(st, "Effect")), "Allow") == 0 &&
	       (td_lists(act, "sts:AssumeRoleWithWebIdentity", true) || td_lists(act, "sts:*", true) ||
		td_lists(act, "*", false));
}

const json_t *td_federated(const json_t *st)
{
	return json_object_get(json_object_get(st, "Principal"), "Federated");
}

const char *td_provider_url(const char *arn)
{
	const char *p = strstr(arn, ARN_MARK);

	return p != NULL ? p + strlen(ARN_MARK) : arn;
}
