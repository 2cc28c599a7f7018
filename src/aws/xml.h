/* xml: the little of AWS's XML answers saoidc reads (expat): an element's text, and the Query
 * APIs' member lists. */
#ifndef SAOIDC_XML_H
#define SAOIDC_XML_H

#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

/* The largest XML document read (the largest answer kept, too). */
#define AWS_XML_MAX (4u * 1024u * 1024u)

/* Text of the first element named `name` (any namespace) in an XML document; malloc'd or NULL. */
char *aws_xml_text(const char *xml, size_t len, const char *name);

/* The AWS Query "member" list under the first element named `list`: for each <member>, the text
 * of its child `field` (or of the member itself when field is NULL), in document order. */
bool aws_xml_members(const char *xml, size_t len, const char *list, const char *field, strlist *out);

/* A parsed document, for answers read element by element (CloudFront's REST-XML). Nodes are
 * elements of their document and live as long as it. */
typedef struct aws_xml aws_xml;
typedef struct aws_xml_node aws_xml_node;

/* NULL when the text is not XML or is larger than AWS_XML_MAX. No network, entities or DTDs. */
aws_xml *aws_xml_parse(const char *xml, size_t len);
void aws_xml_free(aws_xml *d);
aws_xml_node *aws_xml_root(const aws_xml *d);
/* The child element at a path of names ("Items/Origin"), from n; NULL if n is NULL or absent. */
aws_xml_node *aws_xml_get(const aws_xml_node *n, const char *path);
/* The next sibling element of the same name; NULL after the last. */
aws_xml_node *aws_xml_next(const aws_xml_node *n);
/* Text of the element at path under n (malloc'd; "" when empty), or NULL when absent. */
char *aws_xml_text_at(const aws_xml_node *n, const char *path);
/* Replaces the text of the element at path under n; false if there is none. */
bool aws_xml_set_text(aws_xml_node *n, const char *path, const char *text);
/* The document as text (malloc'd, with its XML declaration); NULL when out of memory. */
char *aws_xml_dump(const aws_xml *d, size_t *len);
/* s with &, <, >, " and ' escaped for element text (malloc'd). */
char *aws_xml_escape(const char *s);

#endif
