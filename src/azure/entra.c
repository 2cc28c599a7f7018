#include "config.h"

#include "azure/entra.h"

#include "net/oauth.h"
#include "util/fsio.h"
#include "util/str.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

bool az_entra_configured(void)
{
	return str_env("AZURE_TENANT_ID") != NULL && str_env("AZURE_CLIENT_ID") != NULL &&
	       (str_env("AZURE_CLIENT_SECRET") != NULL || str_env("AZURE_FEDERATED_TOKEN_FILE") != NULL);
}

/* A tenant is a GUID or a domain name: nothing that would change the token URL's path. */
static bool tenant_ok(const char *t)
{
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return false;
	return strlen(t) <= 256;
}

bool az_entra_token(const char *scope, char **token, const char **source, sao_err *err)
{
	const char *tenant = str_env("AZURE_TENANT_ID"), *client = str_env("AZURE_CLIENT_ID");
	const char *secret = str_env("AZURE_CLIENT_SECRET"), *file = str_env("AZURE_FEDERATED_TOKEN_FILE");
	const char *host = str_env("AZURE_AUTHORITY_HOST");
	char *assertion = NULL, *form = NULL, *url = NULL;
	bool ok = false;

	*token = NULL;
	if (host == NULL)
		host = "https://login.microsoftonline.com/";
	if (!tenant_ok(tenant))
		return err_set(err, "AZURE_TENANT_ID \"%s\" is not a tenant ID or domain", tenant);
	if (strncmp(host, "https://", 8) != 0) /* the answer is a bearer token */
		return err_set(err, "AZURE_AUTHORITY_HOST \"%s\" is not an https:// URL", host);
	if (secret == NULL && !fs_read_secret(file, &assertion, err)) {
		err_prefix(err, "AZURE_FEDERATED_TOKEN_FILE: ");
		return false;
	}
	{
		const char *with_secret[] = {"grant_type", "client_credentials", "client_id", client, "scope",
					     scope,	   "client_secret",	 secret,      NULL};
		const char *with_assertion[] = {
		    "grant_type",   "client_credentials", "client_id", client, "scope", scope, "client_assertion_type",
		    ASSERTION_TYPE, "client_assertion",	  assertion,   NULL};

		form = oauth_form(secret != NULL ? with_secret : with_assertion);
	}
	if (form == NULL ||
	    asprintf(&url, "%s%s%s/oauth2/v2.0/token", host, host[strlen(host) - 1] == '/' ? "" : "/", tenant) < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	*source = secret != NULL ? "Microsoft Entra ID (client secret, AZURE_CLIENT_ID)"
				 : "Microsoft Entra ID (workload identity, AZURE_FEDERATED_TOKEN_FILE)";
	ok = oauth_token(url, form, "access_token",
			 secret != NULL ? "Microsoft Entra ID token (client secret)"
					: "Microsoft Entra ID token (workload identity)",
			 token, NULL, err);
out:
	if (assertion != NULL)
		OPENSSL_clear_free(assertion, strlen(assertion));
	if (form != NULL)
		OPENSSL_clear_free(form, strlen(form));
	free(url);
	return ok;
}
