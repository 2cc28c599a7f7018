#include "config.h"

#include "util/jsonx.h"

#include <string.h>

const json_t *jsonx_find(const json_t *arr, const char *member, const char *value)
{
	size_t i;
	const json_t *e;

	json_array_foreach(arr, i, e)
	{
		const char *v = json_string_value(json_object_get(e, member));

		if (v != NULL && value != NULL && strcmp(v, value) == 0)
			return e;
	}
	return NULL;
}
