/* Unit tests for src/util/fsio.c: bounded reads, all-or-nothing writes. */
#include "config.h"

#include "util/fsio.h"
#include "../tap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/saoidc-fsio-XXXXXX";
	char path[256], path2[256], big[256];
	unsigned char *buf = NULL;
	size_t len = 0;
	sao_err err = {""};
	fs_txn *t;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/a/b/file.json", dir);
	snprintf(path2, sizeof(path2), "%s/a/other.json", dir);

	t = fs_txn_new();
	ok(fs_txn_stage(t, path, "hello", 5, &err), "stages a file in a new directory %s", err.msg);
	ok(access(path, F_OK) != 0, "nothing visible before commit");
	fs_txn_free(t);
	snprintf(big, sizeof(big), "%s/a/b", dir);
	is_int(count_entries(big), 0, "an aborted transaction leaves no temp file");

	t = fs_txn_new();
	ok(fs_txn_stage(t, path, "hello", 5, &err) && fs_txn_stage(t, path2, "{}", 2, &err) && fs_txn_commit(t, &err),
	   "commits two files");
	fs_txn_free(t);
	ok(fs_read_file(path, 100, &buf, &len, &err) && len == 5 && memcmp(buf, "hello", 5) == 0, "reads it back");
	free(buf);
	{
		struct stat st;

		ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "files are 0644");
	}
	ok(!fs_read_file(path, 4, &buf, &len, &err) && strstr(err.msg, "too large") != NULL, "a read cap is enforced");
	ok(!fs_read_file(dir, 4, &buf, &len, &err) && strstr(err.msg, "directory") != NULL, "a directory is refused");
	snprintf(big, sizeof(big), "%s/missing", dir);
	ok(!fs_read_file(big, 4, &buf, &len, &err) && strstr(err.msg, "No such file") != NULL, "a missing file is "
											       "refused");
	snprintf(big, sizeof(big), "%s/empty", dir);
	f = fopen(big, "w");
	fclose(f);
	ok(fs_read_file(big, 4, &buf, &len, &err) && len == 0 && buf[0] == '\0', "an empty file reads as empty");
	free(buf);

	t = fs_txn_new();
	snprintf(big, sizeof(big), "%s/a/b/file.json/under-a-file", dir);
	ok(!fs_txn_stage(t, path2, "x", 1, &err) || !fs_txn_stage(t, big, "x", 1, &err), "a failing second file fails");
	fs_txn_free(t);
	ok(fs_read_file(path2, 100, &buf, &len, &err) && len == 2, "and the first file kept its old content");
	free(buf);

	snprintf(big, sizeof(big), "rm -rf %s", dir);
	if (system(big) != 0)
		return 1;
	return tap_done();
}
