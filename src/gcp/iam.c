#include "config.h"

#include "gcp/iam.h"

#include "gcp/api.h"
#include "net/retry.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool gcp_provider_name_ok(const char *name)
{
	static const char *const parts[] = {"projects", "locations", "workloadIdentityPools", "providers"};
	const char *p = name;

	/* The discovery document's pattern:
	 * ^projects/[^/]+/locations/[^/]+/workloadIdentityPools/[^/]+/providers/[^/]+$ and, as every id here is, no
	 * character that would change the URL. */
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(parts[i]), id;

		if (strncmp(p, parts[i], n) != 0 || p[n] != '/')
			return false;
		p += n + 1;
		id = strcspn(p, "/");
		if (id == 0 || id > 128 || (id == 1 && p[0] == '.') || (id == 2 && p[0] == '.' && p[1] == '.'))
			return false; /* "." and ".." would move the URL's path elsewhere */
		for (size_t k = 0; k < id; k++)
			if (!((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
			      (p[k] >= '0' && p[k] <= '9') || p[k] == '-' || p[k] == '_' || p[k] == '.'))
				return false;
		p += id;
		if (i < 3 && *p++ != '/')
			return false;
	}
	return *p == '\0';
}

bool gcp_provider_get(const char *token, const char *name, json_t **provider, sao_err *err)
{
	const char *base = str_env("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM");
	char *url = NULL, *why = NULL;
	fetch_result r = {0};
	bool ok = false;

	*provider = NULL;
	if (base == NULL)
		base = "https://iam.googleapis.com/";
	if (!gcp_provider_name_ok(name))
		return err_set(err,
			       "\"%.200s\" is not a provider's name "
			       "(projects/PROJECT/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)",
			       name);
	if (asprintf(&url, "%s%sv1/%s", base, base[0] != '\0' && base[strlen(base) - 1] == '/' ? "" : "/", name) < 0)
		return err_set(err, "out of memory");
	if (!fetch_retry_bearer(url, token, "Google IAM", &r, err))
		goto out;
	if (r.status == 200) {
		*provider = r.body != NULL ? json_loadb(r.body, r.len, 0, NULL) : NULL;
		if (!json_is_object(*provider)) {
			json_decref(*provider);
			*provider = NULL;
			err_set(err, "%s: Google IAM's answer is not a provider (not a JSON object)", name);
			goto out;
		}
		ok = true;
		goto out;
	}
	why = gcp_api_error(&r);
	if (r.status == 403)
		err_set(err,
			"%s: Google IAM refused (HTTP 403%s%s): the credentials lack "
			"iam.workloadIdentityPoolProviders.get (roles/iam.workloadIdentityPoolViewer on the project)",
			name, why != NULL ? ", " : "", why != NULL ? why : "");
	else if (r.status == 404)
		err_set(err, "%s: no such workload identity pool provider (HTTP 404)", name);
	else
		err_set(err, "%s: Google IAM answered HTTP %ld%s%s", name, r.status, why != NULL ? ": " : "",
			why != NULL ? why : "");
out:
	free(why);
	free(url);
	fetch_result_clear(&r);
	return ok;
}
