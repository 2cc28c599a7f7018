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

static void feed_file(EVP_MD_CTX *md, const char *path)
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

		EVP_DigestUpdate(md, "\0error", 6);
		EVP_DigestUpdate(md, &e, sizeof(e));
	}
}

static void feed_dir(EVP_MD_CTX *md, const char *path)
{
	char **files = NULL;
	size_t n = 0;
	sao_err err;

	if (!fs_list_dir(path, &files, &n, &err)) {
		EVP_DigestUpdate(md, "\0nodir", 6);
		return;
	}
	for (size_t i = 0; i < n; i++)
		feed_file(md, files[i]);
	fs_list_free(files, n);
}

void watch_fingerprint(const char *const *paths, size_t n, unsigned char out[WATCH_FP_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct stat st;

	memset(out, 0, WATCH_FP_LEN);
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0 || strncmp(paths[i], "kube://", 7) == 0)
			continue; /* stdin is read once; Secrets in the API are polled by serve */
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			feed_dir(md, paths[i]);
		else
			feed_file(md, paths[i]);
	}
	EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
}
