/* xml: the little of AWS's XML answers saoidc reads (libxml2): an element's text, and the Query
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

#endif
