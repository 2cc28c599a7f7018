#include "config.h"

#include "util/watch.h"

#include "util/fsio.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Out of descriptors or memory says nothing about the file: the fingerprint is not made. */
static bool transient(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM;
}

static bool feed_file(EVP_MD_CTX *md, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	sao_err err;

	EVP_DigestUpdate(md, path, strlen(path) + 1);
	if (fs_read_file(path, FS_READ_MAX, &buf, &len, &err)) {
		EVP_DigestUpdate(md, buf, len);
		OPENSSL_clear_free(buf, len + 1);
	} else {
		int e = errno;

		if (transient(e))
			return false;
		EVP_DigestUpdate(md, "\0error", 6);
		EVP_DigestUpdate(md, &e, sizeof(e));
	}
	return true;
}

static bool feed_dir(EVP_MD_CTX *md, const char *path)
{
	char **files = NULL;
	size_t n = 0;
	sao_err err;
	bool ok = true;

	if (!fs_list_dir(path, &files, &n, &err)) {
		if (transient(errno))
			return false;
		EVP_DigestUpdate(md, "\0nodir", 6);
		return true;
	}
	for (size_t i = 0; ok && i < n; i++)
		ok = feed_file(md, files[i]);
	fs_list_free(files, n);
	return ok;
}

bool watch_fingerprint(const char *const *paths, size_t n, unsigned char out[WATCH_FP_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char fp[WATCH_FP_LEN];
	struct stat st;
	bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++) {
		if (strcmp(paths[i], "-") == 0 || strncmp(paths[i], "kube://", 7) == 0)
			continue; /* stdin is read once; Secrets in the API are polled by serve */
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			ok = feed_dir(md, paths[i]);
		else
			ok = feed_file(md, paths[i]);
	}
	ok = ok && EVP_DigestFinal_ex(md, fp, NULL) == 1;
	EVP_MD_CTX_free(md);
	if (ok)
		memcpy(out, fp, WATCH_FP_LEN);
	return ok;
}
