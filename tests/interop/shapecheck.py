"""Strict checks of REST-XML bodies against python3-botocore's service models, for the test
stand-ins: every element must be a member of its shape (by its XML name), given once,
required members present, list items named as the model names them, enums, integers and
booleans well formed. (Not the order: botocore itself writes members in the caller's order,
and the services take them so.) Used both ways: on requests saoidc sends (CreateDistribution,
PutPublicAccessBlock, ...) and on the answers the stand-ins give, which botocore's own parser
must also accept."""
import xml.etree.ElementTree as ET

import botocore.session
from botocore.parsers import RestXMLParser

_session = botocore.session.get_session()


def model(service):
    return _session.get_service_model(service)


def _local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _xml_members(shape):
    out = []
    for name, m in shape.members.items():
        if m.serialization.get("location") in ("header", "headers", "uri", "querystring", "statusCode"):
            continue
        out.append((m.serialization.get("name") or name, name, m))
    return out


def check_elem(elem, shape, path="", errors=None):
    errors = [] if errors is None else errors
    t = shape.type_name
    if t == "structure":
        by_xml = {x: (n, m) for x, n, m in _xml_members(shape)}
        seen = []
        for child in elem:
            tag = _local(child.tag)
            here = "%s/%s" % (path, tag)
            if tag not in by_xml:
                errors.append("%s: not a member of %s" % (here, shape.name))
                continue
            name, m = by_xml[tag]
            flattened = m.type_name == "list" and m.serialization.get("flattened")
            if tag in seen and not flattened:
                errors.append("%s: given twice" % here)
            seen.append(tag)
            check_elem(child, m.member if flattened else m, here, errors)
        for req in shape.required_members:
            xml = shape.members[req].serialization.get("name") or req
            if shape.members[req].serialization.get("location") in ("header", "uri", "querystring"):
                continue
            if xml not in seen:
                errors.append("%s: required member %s missing from %s" % (path or "/", xml, shape.name))
    elif t == "list":
        item = shape.member.serialization.get("name", "member")
        for child in elem:
            if _local(child.tag) != item:
                errors.append("%s/%s: list items of %s are named %s" % (path, _local(child.tag), shape.name, item))
            check_elem(child, shape.member, "%s/%s" % (path, item), errors)
    else:
        text = elem.text or ""
        if len(elem):
            errors.append("%s: %s is a scalar, not a structure" % (path, shape.name))
        elif t == "string" and shape.enum and text not in shape.enum:
            errors.append("%s: %r is not one of %s" % (path, text, shape.enum))
        elif t in ("integer", "long"):
            try:
                int(text)
            except ValueError:
                errors.append("%s: %r is not an integer" % (path, text))
        elif t == "boolean" and text not in ("true", "false"):
            errors.append("%s: %r is not a boolean" % (path, text))
    return errors


def check_request(service, operation, body):
    """Errors in a request body for this operation (its XML payload), [] when it is right."""
    op = model(service).operation_model(operation)
    payload = op.input_shape.serialization.get("payload")
    shape = op.input_shape.members[payload]
    want = shape.serialization.get("name") or payload
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        return ["not XML: %s" % e]
    errors = []
    if _local(root.tag) != want:
        errors.append("root element %s, want %s" % (_local(root.tag), want))
    ns = (shape.serialization.get("xmlNamespace") or {}).get("uri") or model(service).metadata.get("xmlNamespace")
    if ns and not root.tag.startswith("{%s}" % ns):
        errors.append("namespace of %s is not %s" % (root.tag, ns))
    return check_elem(root, shape, "/" + want, errors)


def check_response(service, operation, status, headers, body):
    """Errors in an answer: botocore's parser must read it, and its payload must fit the model."""
    op = model(service).operation_model(operation)
    errors = []
    try:
        RestXMLParser().parse({"status_code": status, "headers": headers, "body": body}, op.output_shape)
    except Exception as e:  # the point: anything botocore cannot read
        errors.append("botocore cannot parse the answer: %s" % e)
    if op.output_shape is None or not body:
        return errors
    payload = op.output_shape.serialization.get("payload")
    if payload:
        shape = op.output_shape.members[payload]
        root = ET.fromstring(body)
        errors += check_elem(root, shape, "/" + _local(root.tag))
    return errors
