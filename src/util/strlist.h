/* strlist: a growable list of malloc'd strings, the one list type the modules pass around
 * (client IDs, thumbprints, namespaces, container names). */
#ifndef SAOIDC_STRLIST_H
#define SAOIDC_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* A list of strings (malloc'd, with its count). */
typedef struct strlist {
	char **v;
	size_t n;
} strlist;

bool strlist_add(strlist *l, const char *s);
bool strlist_has(const strlist *l, const char *s);
void strlist_clear(strlist *l);

#endif
