/* yaml: YAML documents as kubectl writes them (kubeconfig files, `kubectl get -o yaml`), read
 * into JSON values with libyaml. Mappings become objects, sequences arrays, scalars strings (as
 * Go reads them into string fields: `command: false` is "false"), a plain null, ~ or nothing
 * JSON null. Anchors and aliases
 * are refused (no expansion bombs), as are nesting deeper than 64 and more than one document. */
#ifndef SAOIDC_YAML_H
#define SAOIDC_YAML_H

#include "util/err.h"

#include <jansson.h>
#include <stddef.h>

/* The document, or NULL with the line and reason. An empty document is an empty object. */
json_t *yaml_to_json(const char *text, size_t len, sao_err *err);

#endif
