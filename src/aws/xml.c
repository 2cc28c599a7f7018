#include "config.h"

#include "aws/xml.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

struct aws_xml_node {
	char *name;   /* local name: the qualified name after its prefix */
	char *qname;  /* as written, for aws_xml_dump */
	char **attrs; /* name, value, ..., NULL: as written (xmlns declarations included) */
	char *text;   /* the element's own character data */
	size_t tlen;
	aws_xml_node *parent, *first, *last, *next;
};

struct aws_xml {
	aws_xml_node *root;
};

typedef struct builder {
	XML_Parser p;
	aws_xml_node *root, *cur;
	int depth;
	bool failed;
} builder;

static void node_free(aws_xml_node *n)
{
	while (n != NULL) {
		aws_xml_node *next = n->next;

		node_free(n->first);
		for (char **a = n->attrs; a != NULL && *a != NULL; a++)
			free(*a);
		free(n->attrs);
		free(n->qname);
		free(n->text);
		free(n);
		n = next;
	}
}

static void fail(builder *b)
{
	b->failed = true;
	XML_StopParser(b->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	builder *b = ud;
	aws_xml_node *n;
	const char *colon = strrchr(name, ':');
	size_t na = 0;

	if (b->failed)
		return;
	if (++b->depth > MAX_DEPTH || (b->cur == NULL && b->root != NULL) || (n = calloc(1, sizeof(*n))) == NULL) {
		fail(b);
		return;
	}
	while (atts[na] != NULL)
		na++;
	n->qname = strdup(name);
	n->name = n->qname != NULL ? n->qname + (colon != NULL ? (size_t)(colon - name) + 1 : 0) : NULL;
	n->attrs = calloc(na + 1, sizeof(*n->attrs));
	for (size_t i = 0; n->attrs != NULL && i < na; i++)
		if ((n->attrs[i] = strdup(atts[i])) == NULL)
			b->failed = true;
	if (n->qname == NULL || n->attrs == NULL)
		b->failed = true;
	n->parent = b->cur;
	if (b->cur == NULL)
		b->root = n;
	else if (b->cur->last != NULL)
		b->cur->last = b->cur->last->next = n;
	else
		b->cur->first = b->cur->last = n;
	b->cur = n;
	if (b->failed)
		fail(b);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	builder *b = ud;
	aws_xml_node *n = b->cur;

	(void)name;
	if (b->failed || n == NULL)
		return;
	/* Indentation between child elements is not content. */
	if (n->first != NULL && n->text != NULL && blank(n->text, n->tlen)) {
		free(n->text);
		n->text = NULL;
		n->tlen = 0;
	}
	b->cur = n->parent;
	b->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	builder *b = ud;
	aws_xml_node *n = b->cur;
	char *nt;

	if (b->failed || n == NULL || len <= 0)
		return;
	if ((nt = realloc(n->text, n->tlen + (size_t)len + 1)) == NULL) {
		fail(b);
		return;
	}
	memcpy(nt + n->tlen, s, (size_t)len);
	n->tlen += (size_t)len;
	nt[n->tlen] = '\0';
	n->text = nt;
}

/* No DTDs, so no entities to expand: the body comes from a remote server. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	fail(ud);
}

aws_xml *aws_xml_parse(const char *xml, size_t len)
{
	builder b = {0};
	aws_xml *d = NULL;

	if (xml == NULL || len == 0 || len > AWS_XML_MAX || (b.p = XML_ParserCreate("UTF-8")) == NULL)
		return NULL;
	XML_SetUserData(b.p, &b);
	XML_SetElementHandler(b.p, on_start, on_end);
	XML_SetCharacterDataHandler(b.p, on_text);
	XML_SetStartDoctypeDeclHandler(b.p, on_doctype);
	XML_SetParamEntityParsing(b.p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(b.p, xml, (int)len, XML_TRUE) != XML_STATUS_OK || b.failed || b.root == NULL ||
	    (d = malloc(sizeof(*d))) == NULL) {
		node_free(b.root);
		XML_ParserFree(b.p);
		return NULL;
	}
	XML_ParserFree(b.p);
	d->root = b.root;
	return d;
}

void aws_xml_free(aws_xml *d)
{
	if (d != NULL) {
		node_free(d->root);
		free(d);
	}
}

aws_xml_node *aws_xml_root(const aws_xml *d)
{
	return d != NULL ? d->root : NULL;
}

/* The first element named `name` at or under n and its following siblings, depth first. */
static aws_xml_node *find_elem(aws_xml_node *n, const char *name)
{
	for (; n != NULL; n = n->next) {
		aws_xml_node *f;

		if (strcmp(n->name, name) == 0)
			return n;
		if ((f = find_elem(n->first, name)) != NULL)
			return f;
	}
	return NULL;
}

/* The text of an element and of everything under it, in document order. */
static bool content(const aws_xml_node *n, char **out, size_t *len)
{
	if (n->text != NULL) {
		char *no = realloc(*out, *len + n->tlen + 1);

		if (no == NULL)
			return false;
		memcpy(no + *len, n->text, n->tlen);
		*len += n->tlen;
		no[*len] = '\0';
		*out = no;
	}
	for (const aws_xml_node *c = n->first; c != NULL; c = c->next)
		if (!content(c, out, len))
			return false;
	return true;
}

static char *text_of(const aws_xml_node *n)
{
	char *out = strdup("");
	size_t len = 0;

	if (out != NULL && !content(n, &out, &len)) {
		free(out);
		return NULL;
	}
	return out;
}

char *aws_xml_text(const char *xml, size_t len, const char *name)
{
	aws_xml *d = aws_xml_parse(xml, len);
	aws_xml_node *n = d != NULL ? find_elem(d->root, name) : NULL;
	char *out = n != NULL ? text_of(n) : NULL;

	aws_xml_free(d);
	return out;
}

bool aws_xml_members(const char *xml, size_t len, const char *list, const char *field, strlist *out)
{
	aws_xml *d = aws_xml_parse(xml, len);
	aws_xml_node *l;
	bool ok = true;

	if (d == NULL)
		return false;
	l = find_elem(d->root, list);
	for (aws_xml_node *m = l != NULL ? l->first : NULL; ok && m != NULL; m = m->next) {
		aws_xml_node *f;
		char *t;

		if (strcmp(m->name, "member") != 0)
			continue;
		f = field != NULL ? find_elem(m->first, field) : m;
		if (f == NULL)
			continue;
		t = text_of(f);
		ok = t != NULL && strlist_add(out, t);
		free(t);
	}
	aws_xml_free(d);
	return ok;
}

static aws_xml_node *child(const aws_xml_node *n, const char *name, size_t len)
{
	for (aws_xml_node *c = n->first; c != NULL; c = c->next)
		if (strlen(c->name) == len && strncmp(c->name, name, len) == 0)
			return c;
	return NULL;
}

aws_xml_node *aws_xml_get(const aws_xml_node *n, const char *path)
{
	const aws_xml_node *x = n;

	while (x != NULL && *path != '\0') {
		size_t len = strcspn(path, "/");

		x = child(x, path, len);
		path += len;
		if (*path == '/')
			path++;
	}
	return (aws_xml_node *)x;
}

aws_xml_node *aws_xml_next(const aws_xml_node *n)
{
	if (n == NULL)
		return NULL;
	for (aws_xml_node *s = n->next; s != NULL; s = s->next)
		if (strcmp(s->name, n->name) == 0)
			return s;
	return NULL;
}

char *aws_xml_text_at(const aws_xml_node *n, const char *path)
{
	const aws_xml_node *x = aws_xml_get(n, path);

	return x != NULL ? text_of(x) : NULL;
}

bool aws_xml_set_text(aws_xml_node *n, const char *path, const char *text)
{
	aws_xml_node *x = aws_xml_get(n, path);
	char *t;

	if (x == NULL || (t = strdup(text)) == NULL)
		return false;
	free(x->text);
	x->text = t;
	x->tlen = strlen(t);
	return true;
}

typedef struct xbuf {
	char *s;
	size_t n, cap;
	bool oom;
} xbuf;

static void put(xbuf *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->n + n + 1 > o->cap) {
		size_t cap = (o->n + n + 1) * 2;
		char *ns = realloc(o->s, cap);

		if (ns == NULL) {
			o->oom = true;
			return;
		}
		o->s = ns;
		o->cap = cap;
	}
	memcpy(o->s + o->n, s, n);
	o->n += n;
	o->s[o->n] = '\0';
}

static void put_escaped(xbuf *o, const char *s)
{
	char *e = aws_xml_escape(s);

	if (e == NULL)
		o->oom = true;
	else
		put(o, e, strlen(e));
	free(e);
}

static void dump(xbuf *o, const aws_xml_node *n)
{
	put(o, "<", 1);
	put(o, n->qname, strlen(n->qname));
	for (char **a = n->attrs; a != NULL && a[0] != NULL && a[1] != NULL; a += 2) {
		put(o, " ", 1);
		put(o, a[0], strlen(a[0]));
		put(o, "=\"", 2);
		put_escaped(o, a[1]);
		put(o, "\"", 1);
	}
	if (n->text == NULL && n->first == NULL) {
		put(o, "/>", 2);
		return;
	}
	put(o, ">", 1);
	if (n->text != NULL)
		put_escaped(o, n->text);
	for (const aws_xml_node *c = n->first; c != NULL; c = c->next)
		dump(o, c);
	put(o, "</", 2);
	put(o, n->qname, strlen(n->qname));
	put(o, ">", 1);
}

char *aws_xml_dump(const aws_xml *d, size_t *len)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	xbuf o = {0};

	put(&o, decl, sizeof(decl) - 1);
	dump(&o, d->root);
	put(&o, "\n", 1);
	if (o.oom) {
		free(o.s);
		return NULL;
	}
	*len = o.n;
	return o.s;
}

char *aws_xml_escape(const char *s)
{
	size_t n = 1;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : (*p == '"' || *p == '\'') ? 6 : 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	o = out;
	for (const char *p = s; *p; p++) {
		const char *r = *p == '&'    ? "&amp;"
				: *p == '<'  ? "&lt;"
				: *p == '>'  ? "&gt;"
				: *p == '"'  ? "&quot;"
				: *p == '\'' ? "&apos;"
					     : NULL;

		if (r != NULL) {
			memcpy(o, r, strlen(r));
			o += strlen(r);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}
