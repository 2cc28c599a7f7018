#include "config.h"

#include "util/yamlout.h"

#include <stdbool.h>
#include <stdlib.h>

static void scalar(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	fputs(s != NULL ? s : "null", f);
	free(s);
}

static bool is_container(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) > 0) || (json_is_array(v) && json_array_size(v) > 0);
}

static void emit(FILE *f, const json_t *v, int indent, bool in_list);

/* Plain keys stay plain; any other (a ':' or '/' in an IAM condition key...) is quoted. */
static void key(FILE *f, const char *k)
{
	bool plain = (k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_';

	for (const char *p = k; plain && *p; p++)
		plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
			*p == '-' || *p == '.';
	if (plain) {
		fputs(k, f);
	} else {
		json_t *s = json_string(k);

		scalar(f, s);
		json_decref(s);
	}
}

static void emit_object(FILE *f, const json_t *v, int indent, bool first_inline)
{
	const char *k;
	json_t *x;
	bool first = true;

	json_object_foreach((json_t *)v, k, x)
	{
		if (!(first && first_inline))
			fprintf(f, "%*s", indent, "");
		first = false;
		key(f, k);
		fputc(':', f);
		if (is_container(x)) {
			fputc('\n', f);
			emit(f, x, json_is_array(x) ? indent : indent + 2, false);
		} else {
			fputc(' ', f);
			scalar(f, x);
			fputc('\n', f);
		}
	}
}

static void emit(FILE *f, const json_t *v, int indent, bool in_list)
{
	size_t i;
	json_t *x;

	(void)in_list;
	if (json_is_object(v)) {
		emit_object(f, v, indent, false);
		return;
	}
	json_array_foreach((json_t *)v, i, x)
	{
		fprintf(f, "%*s- ", indent, "");
		if (json_is_object(x) && json_object_size(x) > 0)
			emit_object(f, x, indent + 2, true);
		else if (json_is_array(x) && json_array_size(x) > 0) {
			fputc('\n', f);
			emit(f, x, indent + 2, true);
		} else {
			scalar(f, x);
			fputc('\n', f);
		}
	}
}

void yaml_write(FILE *f, const json_t *v)
{
	if (is_container(v))
		emit(f, v, 0, false);
	else {
		scalar(f, v);
		fputc('\n', f);
	}
}
