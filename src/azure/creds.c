#include "config.h"

#include "azure/creds.h"

#include "azure/entra.h"
#include "util/b64.h"
#include "util/str.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Azurite's and the storage emulator's well-known development account (public, documented). */
#define DEV_ACCOUNT "devstoreaccount1"
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

void az_creds_clear(az_creds *c)
{
	free(c->account);
	free(c->endpoint);
	free(c->suffix);
	if (c->key != NULL)
		OPENSSL_clear_free(c->key, c->key_len);
	str_free_secret(c->sas);
	str_free_secret(c->token);
	memset(c, 0, sizeof(*c));
}

typedef struct conn {
	char *account, *key, *sas, *endpoint, *suffix, *protocol;
	bool dev;
} conn;

static void conn_clear(conn *k)
{
	free(k->account);
	str_free_secret(k->key);
	str_free_secret(k->sas);
	free(k->endpoint);
	free(k->suffix);
	free(k->protocol);
	memset(k, 0, sizeof(*k));
}

/* "Name=value;Name=value": the names Azure's SDKs read (case-insensitive); a value may hold '='
 * (account keys end with it). Unknown names are ignored, as the SDKs do. */
static bool conn_parse(const char *s, conn *k, sao_err *err)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
	    {"AccountName", offsetof(conn, account)},	    {"AccountKey", offsetof(conn, key)},
	    {"SharedAccessSignature", offsetof(conn, sas)}, {"BlobEndpoint", offsetof(conn, endpoint)},
	    {"EndpointSuffix", offsetof(conn, suffix)},	    {"DefaultEndpointsProtocol", offsetof(conn, protocol)}};
	const char *p = s;

	memset(k, 0, sizeof(*k));
	while (*p) {
		size_t n = strcspn(p, ";"), nl;
		const char *eq = memchr(p, '=', n);

		if (n == 0) {
			p++;
			continue;
		}
		if (eq == NULL) {
			conn_clear(k);
			return err_set(err, "AZURE_STORAGE_CONNECTION_STRING: a part has no '=' (Name=value;...)");
		}
		nl = (size_t)(eq - p);
		if (nl == 22 && strncasecmp(p, "UseDevelopmentStorage", nl) == 0 && strncasecmp(eq + 1, "true", 4) == 0)
			k->dev = true;
		for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
			char **dst = (char **)((char *)k + fields[i].off);

			if (strlen(fields[i].name) != nl || strncasecmp(p, fields[i].name, nl) != 0)
				continue;
			str_free_secret(*dst);
			if ((*dst = strndup(eq + 1, n - nl - 1)) == NULL) {
				conn_clear(k);
				return err_set(err, "out of memory");
			}
		}
		p += n;
	}
	return true;
}

static bool set_key(az_creds *c, const char *b64, const char *what, sao_err *err)
{
	if (!b64_decode(b64, strlen(b64), &c->key, &c->key_len) || c->key_len == 0)
		return err_set(err, "%s: the account key is not base64", what);
	c->auth = AZ_AUTH_KEY;
	return true;
}

static bool set_sas(az_creds *c, const char *sas, sao_err *err)
{
	if ((c->sas = strdup(sas[0] == '?' ? sas + 1 : sas)) == NULL)
		return err_set(err, "out of memory");
	c->auth = AZ_AUTH_SAS;
	return true;
}

/* 1. the connection string: its endpoint, and its credential if it has one. */
static bool from_conn(az_creds *c, const char *account, sao_err *err)
{
	const char *s = str_env("AZURE_STORAGE_CONNECTION_STRING");
	conn k;
	bool ok = false;

	if (s == NULL)
		return true;
	if (!conn_parse(s, &k, err))
		return false;
	if (k.dev && k.account == NULL) {
		k.account = strdup(DEV_ACCOUNT);
		k.key = strdup(DEV_KEY);
		k.endpoint = strdup("http://127.0.0.1:10000/" DEV_ACCOUNT);
	}
	if (k.account != NULL && strcmp(k.account, account) != 0) {
		err_set(err,
			"AZURE_STORAGE_CONNECTION_STRING is for account \"%s\", not \"%s\" (the azblob:// URI's): "
			"refusing to publish with another account's credentials",
			k.account, account);
		goto out;
	}
	snprintf(c->source, sizeof(c->source), "AZURE_STORAGE_CONNECTION_STRING");
	if (k.suffix != NULL && c->suffix == NULL && (c->suffix = strdup(k.suffix)) == NULL)
		goto oom;
	if (k.endpoint != NULL) {
		size_t n = strlen(k.endpoint);

		while (n > 0 && k.endpoint[n - 1] == '/')
			n--;
		if ((c->endpoint = strndup(k.endpoint, n)) == NULL)
			goto oom;
	} else if (k.protocol != NULL && strcasecmp(k.protocol, "https") != 0) {
		err_set(err,
			"AZURE_STORAGE_CONNECTION_STRING: DefaultEndpointsProtocol=%s: only https is used for "
			"Azure's own endpoints (give BlobEndpoint= for an emulator)",
			k.protocol);
		goto out;
	}
	if (k.key != NULL)
		ok = set_key(c, k.key, "AZURE_STORAGE_CONNECTION_STRING", err);
	else if (k.sas != NULL)
		ok = set_sas(c, k.sas, err);
	else
		ok = true; /* an endpoint alone: the credential comes from below */
	goto out;
oom:
	err_set(err, "out of memory");
out:
	conn_clear(&k);
	return ok;
}

/* 2. and 3.: a key or SAS for AZURE_STORAGE_ACCOUNT, or Microsoft Entra ID. */
static bool from_env(az_creds *c, const char *account, sao_err *err)
{
	const char *acct = str_env("AZURE_STORAGE_ACCOUNT"), *key = str_env("AZURE_STORAGE_KEY");
	const char *sas = str_env("AZURE_STORAGE_SAS_TOKEN"), *src = NULL;

	if ((key != NULL || sas != NULL) && acct != NULL && strcmp(acct, account) != 0)
		return err_set(err,
			       "AZURE_STORAGE_ACCOUNT is \"%s\", not \"%s\" (the azblob:// URI's): refusing to publish "
			       "with another account's credentials",
			       acct, account);
	if (key != NULL) {
		snprintf(c->source, sizeof(c->source), "AZURE_STORAGE_KEY");
		return set_key(c, key, "AZURE_STORAGE_KEY", err);
	}
	if (sas != NULL) {
		snprintf(c->source, sizeof(c->source), "AZURE_STORAGE_SAS_TOKEN");
		return set_sas(c, sas, err);
	}
	if (!az_entra_configured())
		return true;
	if (!az_entra_token(AZ_SCOPE_STORAGE, &c->token, &src, err))
		return false;
	snprintf(c->source, sizeof(c->source), "%s", src);
	c->auth = AZ_AUTH_BEARER;
	return true;
}

bool az_creds_load(az_creds *c, const char *account, const char *suffix, bool need, sao_err *err)
{
	memset(c, 0, sizeof(*c));
	if ((c->account = strdup(account)) == NULL || (suffix != NULL && (c->suffix = strdup(suffix)) == NULL))
		goto oom;
	if (!from_conn(c, account, err) || (c->auth == AZ_AUTH_NONE && !from_env(c, account, err)))
		goto fail;
	if (c->suffix == NULL && (c->suffix = strdup("core.windows.net")) == NULL)
		goto oom;
	if (c->endpoint == NULL && asprintf(&c->endpoint, "https://%s.blob.%s", account, c->suffix) < 0) {
		c->endpoint = NULL;
		goto oom;
	}
	if (c->auth == AZ_AUTH_NONE && need) {
		err_set(err, "no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or "
			     "AZURE_STORAGE_SAS_TOKEN for the account, or AZURE_TENANT_ID and AZURE_CLIENT_ID with "
			     "AZURE_FEDERATED_TOKEN_FILE (workload identity) or AZURE_CLIENT_SECRET");
		goto fail;
	}
	if (c->source[0] == '\0')
		snprintf(c->source, sizeof(c->source), "none");
	return true;
oom:
	err_set(err, "out of memory");
fail:
	az_creds_clear(c);
	return false;
}
