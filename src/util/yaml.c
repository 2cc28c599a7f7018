#include "config.h"

#include "util/yaml.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

typedef struct reader {
	yaml_parser_t p;
	sao_err *err;
	int depth;
} reader;

static json_t *node(reader *r, yaml_event_t *ev);

static bool next(reader *r, yaml_event_t *ev)
{
	if (yaml_parser_parse(&r->p, ev))
		return true;
	err_set(r->err, "YAML line %zu: %s", r->p.problem_mark.line + 1,
		r->p.problem != NULL ? r->p.problem : "cannot parse");
	return false;
}

/* A scalar: its text, as Go's YAML reads into the string fields of kubeconfig and Secret types
 * (`command: false` is the command "false"); a plain null, ~ or nothing is JSON null. Callers
 * that want a boolean read "true". */
static json_t *scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev->data.scalar.tag == NULL &&
	    (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || v[0] == '\0'))
		return json_null();
	return json_stringn(v, ev->data.scalar.length);
}

static json_t *collection(reader *r, bool mapping)
{
	json_t *out = mapping ? json_object() : json_array();
	yaml_event_t ev;

	if (++r->depth > MAX_DEPTH) {
		json_decref(out);
		err_set(r->err, "YAML nested more than %d deep", MAX_DEPTH);
		return NULL;
	}
	while (out != NULL && next(r, &ev)) {
		json_t *k, *v;

		if (ev.type == (mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
			yaml_event_delete(&ev);
			r->depth--;
			return out;
		}
		k = node(r, &ev); /* takes ev */
		if (k == NULL)
			break;
		if (!mapping) {
			json_array_append_new(out, k);
			continue;
		}
		if (json_is_null(k)) {
			json_decref(k);
			k = json_string("null");
		}
		if (!json_is_string(k)) {
			json_decref(k);
			err_set(r->err, "YAML line %zu: a mapping key that is not a scalar", r->p.mark.line + 1);
			break;
		}
		if (!next(r, &ev) || (v = node(r, &ev)) == NULL) {
			json_decref(k);
			break;
		}
		json_object_set_new(out, json_string_value(k), v);
		json_decref(k);
	}
	json_decref(out);
	if (out == NULL)
		err_set(r->err, "out of memory");
	return NULL;
}

/* The value starting at ev (consumed). */
static json_t *node(reader *r, yaml_event_t *ev)
{
	json_t *out = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL) {
			err_set(r->err, "YAML line %zu: anchors are not supported", ev->start_mark.line + 1);
			break;
		}
		if ((out = scalar(ev)) == NULL)
			err_set(r->err, "YAML line %zu: a string that is not UTF-8", ev->start_mark.line + 1);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool mapping = ev->type == YAML_MAPPING_START_EVENT;

		if ((mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor) != NULL) {
			err_set(r->err, "YAML line %zu: anchors are not supported", ev->start_mark.line + 1);
			break;
		}
		yaml_event_delete(ev);
		return collection(r, mapping);
	}
	case YAML_ALIAS_EVENT:
		err_set(r->err, "YAML line %zu: aliases are not supported", ev->start_mark.line + 1);
		break;
	default:
		err_set(r->err, "YAML line %zu: unexpected structure", ev->start_mark.line + 1);
	}
	yaml_event_delete(ev);
	return out;
}

json_t *yaml_to_json(const char *text, size_t len, sao_err *err)
{
	reader r = {.err = err};
	yaml_event_t ev;
	json_t *out = NULL;
	bool done = false;

	if (!yaml_parser_initialize(&r.p)) {
		err_set(err, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&r.p, (const unsigned char *)text, len);
	/* STREAM-START, DOCUMENT-START, the value, DOCUMENT-END, STREAM-END. */
	while (!done && next(&r, &ev)) {
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&ev);
			break;
		case YAML_DOCUMENT_START_EVENT:
			yaml_event_delete(&ev);
			if (out != NULL) {
				err_set(err, "more than one YAML document");
				json_decref(out);
				out = NULL;
				done = true;
			}
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			if (out == NULL)
				out = json_object();
			done = true;
			break;
		default:
			if (out != NULL) {
				yaml_event_delete(&ev);
				err_set(err, "more than one YAML value");
				json_decref(out);
				out = NULL;
				done = true;
				break;
			}
			if ((out = node(&r, &ev)) == NULL)
				done = true;
		}
	}
	if (!done) { /* a parse error */
		json_decref(out);
		out = NULL;
	}
	yaml_parser_delete(&r.p);
	return out;
}
