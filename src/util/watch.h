/* watch: notices when key files change, by fingerprinting what `key_set_add_path` would read
 * (contents, so a Secret volume's ..data symlink swap and an in-place rewrite both count). */
#ifndef SAOIDC_WATCH_H
#define SAOIDC_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#define WATCH_FP_LEN 32

/* SHA-256 over the paths and the contents of every file they name (directories: their
 * non-hidden regular files in name order). Unreadable entries are folded in by their errno,
 * so a file that appears or disappears changes the fingerprint too. False, out untouched,
 * when a file could not be read for lack of descriptors or memory: that is no change (serve
 * logged "key files changed" for it). */
bool watch_fingerprint(const char *const *paths, size_t n, unsigned char out[WATCH_FP_LEN]);

#endif
