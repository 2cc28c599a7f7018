#include "config.h"

#include "issuer/audit_fed.h"

#include "azure/arm.h"
#include "azure/entra.h"
#include "gcp/creds.h"
#include "gcp/iam.h"
#include "pod/fed_audit.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One identity's entry: its credentials judged. */
static json_t *identity(const char *id, const json_t *fics, const char *issuer, sao_err *err)
{
	json_t *creds = json_array(), *row = NULL, *fic;
	size_t i, others = 0;

	if (creds == NULL)
		goto oom;
	json_array_foreach(fics, i, fic)
	{
		bool oom = false;
		json_t *e = fa_azure(fic, issuer, &oom);

		if (oom || (e != NULL && json_array_append_new(creds, e) != 0))
			goto oom;
		others += e == NULL;
	}
	row = json_pack("{s:s, s:o, s:I, s:o}", "identity", id, "credentials", creds, "others", (json_int_t)others,
			"findings", fa_azure_identity(json_array_size(fics)));
	if (row != NULL)
		return row;
	creds = NULL; /* json_pack took it, even on failure */
oom:
	json_decref(creds);
	err_set(err, "out of memory");
	return NULL;
}

bool audit_azure(const char *const *ids, size_t n, const char *endpoint, const char *issuer, json_t *report,
		 sao_err *err)
{
	json_t *out = json_array();
	char *token = NULL, *scope = NULL;
	const char *source = NULL;
	size_t elen = strlen(endpoint);
	bool ok = false;

	while (elen > 0 && endpoint[elen - 1] == '/')
		elen--;
	/* Resource Manager's scope is its URL without a trailing '/', then "/.default". */
	if (out == NULL || asprintf(&scope, "%.*s/.default", (int)elen, endpoint) < 0) {
		scope = NULL;
		err_set(err, "out of memory");
		goto done;
	}
	if (!az_entra_configured()) {
		err_set(err, "no Azure credentials to read the identities: set AZURE_TENANT_ID and AZURE_CLIENT_ID "
			     "with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE (workload identity)");
		goto done;
	}
	if (!az_entra_token(scope, &token, &source, err))
		goto done;
	for (size_t i = 0; i < n; i++) {
		json_t *fics = NULL, *row;

		if (!az_arm_fics(endpoint, token, ids[i], &fics, err))
			goto done;
		row = identity(ids[i], fics, issuer, err);
		json_decref(fics);
		if (row == NULL || json_array_append_new(out, row) != 0)
			goto done;
	}
	ok = json_object_set(report, "azure", out) == 0 || err_set(err, "out of memory");
done:
	json_decref(out);
	str_free_secret(token);
	free(scope);
	return ok;
}

bool audit_gcp(const char *const *names, size_t n, const char *issuer, json_t *report, sao_err *err)
{
	json_t *out = json_array();
	gcp_creds creds = {0};
	bool ok = false;

	if (out == NULL) {
		err_set(err, "out of memory");
		goto done;
	}
	if (!gcp_creds_load(&creds, GCP_SCOPE_CLOUD, true, err))
		goto done;
	for (size_t i = 0; i < n; i++) {
		json_t *pr = NULL, *e;

		if (!gcp_provider_get(creds.token, names[i], &pr, err))
			goto done;
		e = fa_gcp(pr, names[i], issuer);
		json_decref(pr);
		if (e == NULL || json_array_append_new(out, e) != 0) {
			err_set(err, "out of memory");
			goto done;
		}
	}
	ok = json_object_set(report, "gcp", out) == 0 || err_set(err, "out of memory");
done:
	json_decref(out);
	gcp_creds_clear(&creds);
	return ok;
}
