/* str: string helpers every layer uses: a growable list of malloc'd strings (client IDs,
 * thumbprints, namespaces, container names) and in-place trimming. */
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

/* Cuts leading and trailing white space in place; returns the first non-space character. */
char *str_trim(char *s);

#endif
