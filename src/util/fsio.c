#include "config.h"

#include "util/fsio.h"

#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include "util/clock.h"

/* How long a pipe or FIFO may stay silent before a read gives up. */
#define FS_STREAM_TIMEOUT_MS 10000

bool fs_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, sao_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer that never comes. */
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	long deadline = 0;
	unsigned char *data = NULL;
	size_t used = 0, cap = 0;
	bool ok = false;
	struct stat st;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return err_set(err, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		err_set(err, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err_set(err, "is a directory");
		goto out;
	}
	if (!is_stdin && S_ISREG(st.st_mode)) {
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	} else {
		/* A pipe, FIFO or device (stdin, `--key <(kubectl ...)`): read it, but give up after
		 * FS_STREAM_TIMEOUT_MS without data rather than hang a reload loop. */
		deadline = clock_mono_ms() + FS_STREAM_TIMEOUT_MS;
	}
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		err_set(err, "file is too large (%lld bytes; at most %zu are read)", (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (cap - used < 4096) {
			size_t ncap = cap == 0 ? 8192 : cap * 2;
			unsigned char *nd;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= used) {
				err_set(err, "input is too large (more than %zu bytes)", max);
				goto out;
			}
			nd = malloc(ncap + 1);
			if (nd == NULL) {
				err_set(err, "out of memory");
				goto out;
			}
			if (data != NULL) {
				memcpy(nd, data, used);
				OPENSSL_clear_free(data, cap + 1);
			}
			data = nd;
			cap = ncap;
		}
		n = read(fd, data + used, cap - used);
		if (n < 0 && errno == EAGAIN && deadline != 0) {
			struct pollfd pfd = {fd, POLLIN, 0};
			long left = deadline - clock_mono_ms();

			if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
				err_set(err, "no data within %d s (a FIFO or pipe with no writer?)",
					FS_STREAM_TIMEOUT_MS / 1000);
				goto out;
			}
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, "read failed: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			err_set(err, "input is too large (more than %zu bytes)", max);
			goto out;
		}
	}
	if (data == NULL) {
		data = malloc(1);
		if (data == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		cap = 0;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	data = NULL;
	ok = true;
out:
	if (data != NULL)
		OPENSSL_clear_free(data, cap + 1);
	if (!is_stdin)
		close(fd);
	return ok;
}

bool fs_mkdirs(const char *path, sao_err *err)
{
	char *p = strdup(path);
	bool ok = false;

	if (p == NULL)
		return err_set(err, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				err_set(err, "cannot create directory %s: %s", p, strerror(errno));
				goto out;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	ok = true;
out:
	free(p);
	return ok;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fs_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

bool fs_list_dir(const char *dir, char ***paths, size_t *n, sao_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t used = 0, keep = 0;
	const char *sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";
	bool ok = false;

	*paths = NULL;
	*n = 0;
	if (d == NULL)
		return err_set(err, "cannot open directory: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char **nv;

		if (de->d_name[0] == '.')
			continue;
		nv = realloc(v, (used + 1) * sizeof(*nv));
		if (nv == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		v = nv;
		if (asprintf(&v[used], "%s%s%s", dir, sep, de->d_name) < 0) {
			err_set(err, "out of memory");
			goto out;
		}
		used++;
	}
	if (used > 1)
		qsort(v, used, sizeof(*v), cmp_names);
	for (size_t i = 0; i < used; i++) {
		struct stat st;

		if (stat(v[i], &st) != 0) {
			err_set(err, "cannot stat %s: %s", v[i], strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			free(v[i]);
			v[i] = NULL;
		}
	}
	for (size_t i = 0; i < used; i++)
		if (v[i] != NULL)
			v[keep++] = v[i];
	used = keep;
	*paths = v;
	*n = used;
	v = NULL;
	used = 0;
	ok = true;
out:
	fs_list_free(v, used);
	closedir(d);
	return ok;
}

struct fs_entry {
	char *path;
	char *tmp;
};

struct fs_txn {
	struct fs_entry *v;
	size_t n;
	size_t committed;
};

fs_txn *fs_txn_new(void)
{
	return calloc(1, sizeof(fs_txn));
}

static bool write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool fs_txn_stage(fs_txn *txn, const char *path, const void *data, size_t len, sao_err *err)
{
	char *dir = NULL, *tmp = NULL, *dup = NULL, *slash;
	struct fs_entry *nv;
	int fd = -1;
	bool ok = false;

	dir = strdup(path);
	dup = strdup(path);
	if (dir == NULL || dup == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (!fs_mkdirs(dir, err))
			goto out;
	}
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err_set(err, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (!write_all(fd, data, len) || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		err_set(err, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		err_set(err, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	nv = realloc(txn->v, (txn->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	txn->v = nv;
	txn->v[txn->n].path = dup;
	txn->v[txn->n].tmp = tmp;
	txn->n++;
	dup = NULL;
	tmp = NULL;
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dup);
	free(dir);
	return ok;
}

/* Makes a rename in the directory of `path` durable (the rename itself is, after a crash, only
 * once the directory is synced). */
static bool sync_dir_of(const char *path, sao_err *err)
{
	char *dir = strdup(path), *slash;
	int fd;
	bool ok;

	if (dir == NULL)
		return err_set(err, "out of memory");
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok = fd >= 0 && fsync(fd) == 0;
	if (!ok)
		err_set(err, "cannot sync directory %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return ok;
}

bool fs_txn_commit(fs_txn *txn, sao_err *err)
{
	/* In staging order, each rename synced before the next: a crash leaves a prefix of the
	 * files new (callers stage what others point at first, e.g. the JWKS before the discovery
	 * document that names it). */
	for (size_t i = txn->committed; i < txn->n; i++) {
		if (rename(txn->v[i].tmp, txn->v[i].path) != 0)
			return err_set(err, "cannot rename %s to %s: %s", txn->v[i].tmp, txn->v[i].path,
				       strerror(errno));
		txn->committed = i + 1;
		if (!sync_dir_of(txn->v[i].path, err))
			return false;
	}
	return true;
}

void fs_txn_free(fs_txn *txn)
{
	if (txn == NULL)
		return;
	for (size_t i = 0; i < txn->n; i++) {
		if (i >= txn->committed)
			unlink(txn->v[i].tmp);
		free(txn->v[i].tmp);
		free(txn->v[i].path);
	}
	free(txn->v);
	free(txn);
}

bool fs_write_new(const char *path, const void *data, size_t len, unsigned mode, sao_err *err)
{
	const char *p = data;
	size_t off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);

	if (fd < 0)
		return err_set(err, "%s: %s%s", path, strerror(errno),
			       errno == EEXIST ? " (refusing to overwrite it: move it away or choose another name)"
					       : "");
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	/* The mode asked for, exactly, whatever the umask: 0600 for a private key stays 0600 (the umask
	 * can only narrow it), and a public key is 0644 even under umask 077, as the caller asked. */
	if (off != len || fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return err_set(err, "%s: cannot write it: %s", path, strerror(e));
	}
	if (close(fd) != 0) {
		unlink(path);
		return err_set(err, "%s: cannot write it: %s", path, strerror(errno));
	}
	return true;
}

/* A token or secret file: at most 64 KiB (a web identity token is about 1 KiB), trimmed. */
bool fs_read_secret(const char *path, char **out, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t n = 0;

	*out = NULL;
	if (!fs_read_file(path, 64 * 1024, &buf, &n, err))
		return false;
	*out = strdup(str_trim((char *)buf));
	OPENSSL_clear_free(buf, n);
	if (*out == NULL)
		return err_set(err, "out of memory");
	if ((*out)[0] == '\0') {
		free(*out);
		*out = NULL;
		return err_set(err, "%s is empty", path);
	}
	return true;
}

bool fs_check_no_links(const char *root, const char *path, sao_err *err)
{
	size_t rl = strlen(root);
	char *p = strdup(path);
	bool ok = true;

	if (p == NULL)
		return err_set(err, "out of memory");
	/* Each component after root: root/a, root/a/b, ..., the file itself. */
	for (size_t i = rl + 1; ok && i <= strlen(path); i++) {
		struct stat st;

		if (path[i] != '/' && path[i] != '\0')
			continue;
		p[i] = '\0';
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			ok =
			    err_set(err, "%s is a symbolic link: refusing to write through it (it may lead outside %s)",
				    p, root);
		p[i] = path[i];
	}
	free(p);
	return ok;
}
