/* fsio: bounded file reading and all-or-nothing writes (temp file + fsync + rename),
 * so a failed run never leaves a half-written document behind. */
#ifndef SAOIDC_FSIO_H
#define SAOIDC_FSIO_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Largest input file saoidc reads: keys, Secrets and Lists of Secrets are far smaller. */
#define FS_READ_MAX (4u * 1024u * 1024u)

/* Reads a whole file ("-" is stdin), at most `max` bytes. *buf is NUL-terminated, malloc'd.
 * The caller cleanses and frees it (it may hold a private key). */
bool fs_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, sao_err *err);

/* Creates a directory and its parents (mode 0755); existing directories are fine. */
bool fs_mkdirs(const char *path, sao_err *err);

/* Lists the regular files (after following links) in a directory, as full paths in name order,
 * skipping hidden entries: a mounted Secret volume's ..data and ..<timestamp> links among them.
 * Free with fs_list_free. */
bool fs_list_dir(const char *dir, char ***paths, size_t *n, sao_err *err);
void fs_list_free(char **paths, size_t n);

/* Creates `path` with `mode`, refusing an existing file (O_EXCL), writes all of `data` and
 * syncs it; on any failure the file is removed again. */
bool fs_write_new(const char *path, const void *data, size_t len, unsigned mode, sao_err *err);

/* A set of files written together: every file is staged to a temp file beside its target,
 * and only when all are staged are they renamed into place. */
typedef struct fs_txn fs_txn;

fs_txn *fs_txn_new(void);
/* Stages `data` for `path` (parent directories are created). Nothing is visible yet. */
bool fs_txn_stage(fs_txn *txn, const char *path, const void *data, size_t len, sao_err *err);
/* Renames every staged file into place, in staging order, syncing the directory after each. */
bool fs_txn_commit(fs_txn *txn, sao_err *err);
/* Removes any staged temp files that were not committed, and frees the transaction. */
void fs_txn_free(fs_txn *txn);

/* False, naming it, when a directory or file of `path` below `root` (a prefix of path) is a
 * symbolic link: writing through it would write outside root. Missing components are fine. */
bool fs_check_no_links(const char *root, const char *path, sao_err *err);

/* A token or secret file: at most 64 KiB, trimmed, not empty; *out malloc'd (cleanse it). */
bool fs_read_secret(const char *path, char **out, sao_err *err);

#endif
