/* jsonx: small helpers over jansson values that several layers need. */
#ifndef SAOIDC_JSONX_H
#define SAOIDC_JSONX_H

#include <jansson.h>

/* The first object of the array `arr` whose string member `member` is `value`; NULL when none
 * (or arr is not an array). */
const json_t *jsonx_find(const json_t *arr, const char *member, const char *value);

#endif
