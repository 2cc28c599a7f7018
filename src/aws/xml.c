#include "config.h"

#include "aws/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

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

	if (xml == NULL || len == 0 || len > AWS_XML_MAX)
		return NULL;
	/* No network, no entities, no DTD loading: the body comes from a remote server. */
	doc = xmlReadMemory(xml, (int)len, "response.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	if (doc == NULL)
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

	if (xml == NULL || len == 0 || len > AWS_XML_MAX)
		return false;
	doc = xmlReadMemory(xml, (int)len, "response.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	if (doc == NULL)
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
