/* libFuzzer target: what the stores read from outside -- an Azure connection string (from the
 * environment, so from whoever writes the job's Secret), azblob:// and gs:// URIs (arguments),
 * the error bodies Azure Blob and Cloud Storage answer (any server that answers) -- and the Shared
 * Key string to sign built from hostile header values and queries. No network: no Entra identity
 * is configured, so loading Azure credentials reads the environment only. */
#include "config.h"

#include "azure/blob.h"
#include "azure/creds.h"
#include "azure/sharedkey.h"
#include "gcp/api.h"
#include "gcp/gcs.h"
#include "store/azblob.h"
#include "store/gcs.h"
#include "util/url.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *uri = NULL;
	sao_err err = {""};

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	unsetenv("AZURE_TENANT_ID");
	unsetenv("AZURE_STORAGE_KEY");
	unsetenv("AZURE_STORAGE_SAS_TOKEN");
	if (strlen(s) == size) { /* environment values and arguments hold no NUL */
		az_creds c;
		azblob_target at;
		gcs_target gt;

		setenv("AZURE_STORAGE_CONNECTION_STRING", s, 1);
		if (az_creds_load(&c, "devstoreaccount1", NULL, false, &err)) {
			char *u = az_blob_url(&c, "pub", "cl1/keys.json");

			if (u == NULL || strncmp(u, c.endpoint, strlen(c.endpoint)) != 0)
				abort(); /* the blob's URL is under the endpoint */
			free(u);
			az_creds_clear(&c);
		}
		unsetenv("AZURE_STORAGE_CONNECTION_STRING");
		if (asprintf(&uri, "azblob://%s", s) >= 0 && azblob_parse_uri(uri, &at, &err)) {
			if (strstr(at.prefix, "..") != NULL || at.prefix[0] == '/')
				abort(); /* the prefix rule holds */
			azblob_target_clear(&at);
		}
		free(uri);
		if (asprintf(&uri, "gs://%s", s) >= 0 && gcs_parse_uri(uri, &gt, &err))
			gcs_target_clear(&gt);
		free(uri);
		{
			az_header h[] = {{"x-ms-meta-a", s}, {"Content-Type", s}, {"X-MS-Date", "d"}};
			char *sts = az_string_to_sign("acct", "PUT", "/acct/c/b", s, h, 3, size);

			free(sts);
		}
	}
	{
		fetch_result r = {.status = 403, .body = s, .len = size};
		char *a = az_error_code(&r), *g = gcp_api_error(&r);

		free(a);
		free(g);
	}
	free(s);
	return 0;
}
