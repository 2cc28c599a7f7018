#include "config.h"

#include "aws/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* No network, no entities, no DTD loading: the body comes from a remote server. */
static xmlDoc *read_doc(const char *xml, size_t len)
{
	if (xml == NULL || len == 0 || len > AWS_XML_MAX)
		return NULL;
	return xmlReadMemory(xml, (int)len, "response.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
}

static xmlNode *find_elem(xmlNode *n, const char *name)
{
	for (; n != NULL; n = n->next) {
		xmlNode *f;

		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
		if ((f = find_elem(n->children, name)) != NULL)
			return f;
	}
	return NULL;
}

char *aws_xml_text(const char *xml, size_t len, const char *name)
{
	xmlDoc *doc;
	xmlNode *n;
	char *out = NULL;

	if ((doc = read_doc(xml, len)) == NULL)
		return NULL;
	n = find_elem(xmlDocGetRootElement(doc), name);
	if (n != NULL) {
		xmlChar *t = xmlNodeGetContent(n);

		if (t != NULL) {
			out = strdup((const char *)t);
			xmlFree(t);
		}
	}
	xmlFreeDoc(doc);
	return out;
}

bool aws_xml_members(const char *xml, size_t len, const char *list, const char *field, strlist *out)
{
	xmlDoc *doc;
	xmlNode *l;
	bool ok = true;

	if ((doc = read_doc(xml, len)) == NULL)
		return false;
	l = find_elem(xmlDocGetRootElement(doc), list);
	for (xmlNode *m = l != NULL ? l->children : NULL; ok && m != NULL; m = m->next) {
		xmlNode *f;
		xmlChar *t;

		if (m->type != XML_ELEMENT_NODE || strcmp((const char *)m->name, "member") != 0)
			continue;
		f = field != NULL ? find_elem(m->children, field) : m;
		if (f == NULL)
			continue;
		t = xmlNodeGetContent(f);
		ok = t != NULL && strlist_add(out, (const char *)t);
		xmlFree(t);
	}
	xmlFreeDoc(doc);
	return ok;
}

aws_xml *aws_xml_parse(const char *xml, size_t len)
{
	return (aws_xml *)read_doc(xml, len);
}

void aws_xml_free(aws_xml *d)
{
	if (d != NULL)
		xmlFreeDoc((xmlDoc *)d);
}

aws_xml_node *aws_xml_root(const aws_xml *d)
{
	return d != NULL ? (aws_xml_node *)xmlDocGetRootElement((const xmlDoc *)d) : NULL;
}

static xmlNode *child(const xmlNode *n, const char *name, size_t len)
{
	for (xmlNode *c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strlen((const char *)c->name) == len &&
		    strncmp((const char *)c->name, name, len) == 0)
			return c;
	return NULL;
}

aws_xml_node *aws_xml_get(const aws_xml_node *n, const char *path)
{
	const xmlNode *x = (const xmlNode *)n;

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
	const xmlNode *x = (const xmlNode *)n;

	if (x == NULL)
		return NULL;
	for (xmlNode *s = x->next; s != NULL; s = s->next)
		if (s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name, (const char *)x->name) == 0)
			return (aws_xml_node *)s;
	return NULL;
}

char *aws_xml_text_at(const aws_xml_node *n, const char *path)
{
	xmlNode *x = (xmlNode *)aws_xml_get(n, path);
	xmlChar *t;
	char *out;

	if (x == NULL)
		return NULL;
	t = xmlNodeGetContent(x);
	out = strdup(t != NULL ? (const char *)t : "");
	xmlFree(t);
	return out;
}

bool aws_xml_set_text(aws_xml_node *n, const char *path, const char *text)
{
	xmlNode *x = (xmlNode *)aws_xml_get(n, path);
	xmlChar *enc;

	if (x == NULL || (enc = xmlEncodeSpecialChars(x->doc, (const xmlChar *)text)) == NULL)
		return false;
	xmlNodeSetContent(x, enc);
	xmlFree(enc);
	return true;
}

char *aws_xml_dump(const aws_xml *d, size_t *len)
{
	xmlChar *buf = NULL;
	int n = 0;
	char *out;

	xmlDocDumpMemoryEnc((xmlDoc *)d, &buf, &n, "UTF-8");
	if (buf == NULL || n < 0)
		return NULL;
	out = malloc((size_t)n + 1);
	if (out != NULL) {
		memcpy(out, buf, (size_t)n);
		out[n] = '\0';
		*len = (size_t)n;
	}
	xmlFree(buf);
	return out;
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
		const char *r = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '"' ? "&quot;"
			      : *p == '\'' ? "&apos;" : NULL;

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
