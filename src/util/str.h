/* str: string helpers every layer uses: a growable list of malloc'd strings (client IDs,
 * thumbprints, namespaces, container names) in-place trimming, and escaping for
 * logs and reports. */
#ifndef SAOIDC_STR_H
#define SAOIDC_STR_H

#include <stdbool.h>
#include <stddef.h>

/* A list of strings (malloc'd, with its count). */
typedef struct strlist {
	char **v;
	size_t n;
} strlist;

bool strlist_add(strlist *l, const char *s);
/* Adds a formatted string. */
bool strlist_addf(strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strlist_has(const strlist *l, const char *s);
void strlist_clear(strlist *l);

/* str_escape flags. */
#define STR_ESC_ASCII 1u  /* escape every non-ASCII byte too (access log fields) */
#define STR_ESC_QUOTES 2u /* escape '"' and '\\' too (fields written between quotes) */

/* A copy of `in` safe to write to a log line, a terminal or a JSON string: valid UTF-8 is kept
 * (unless STR_ESC_ASCII); control characters, DEL and every byte that is not part of a valid
 * UTF-8 sequence are written as \xNN. At most `max` input bytes are taken, cut on a character
 * boundary and marked with "...". NULL only when out of memory. */
char *str_escape(const char *in, size_t max, unsigned flags);

/* Cuts leading and trailing white space in place; returns the first non-space character. */
char *str_trim(char *s);

/* Frees a secret string (a token, a key, a form holding one) after overwriting it; NULL is fine. */
void str_free_secret(char *s);

/* Replaces every occurrence of `secret` in the NUL-terminated `msg` (a message about to go up)
 * with `mark`, in place and never growing it past its length (the mark is cut if need be). */
void str_redact(char *msg, const char *secret, const char *mark);

/* The value of an environment variable, or NULL when it is unset or empty (as the cloud SDKs
 * treat an empty one). */
const char *str_env(const char *name);

#endif
