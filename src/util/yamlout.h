/* yamlout: writes a JSON value as block-style YAML (what kubectl users paste), with every
 * string quoted as a JSON string, which YAML reads back unchanged. */
#ifndef SAOIDC_YAMLOUT_H
#define SAOIDC_YAMLOUT_H

#include <jansson.h>
#include <stdio.h>

void yaml_write(FILE *f, const json_t *v);

#endif
