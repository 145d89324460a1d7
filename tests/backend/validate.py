#!/usr/bin/python3
"""Checks Open311 GeoReport v2 answers against the shared specifications.

    validate.py --spec-dir DIR SCHEMA=FILE...

SCHEMA is one of the JSON Schema files in DIR (services.json,
service-definition.json, requests.json, service.json, request.json),
swagger:NAME for a definition in DIR/swagger.json (swagger:NAME[] for an
array of them), or open311-errors (an array of {code, description}, as the
specification describes errors). A FILE ending in .xml is read in the
specification's XML form (<services><service>..., <service_requests>
<request>..., <errors><error>...) and turned into the JSON equivalent first.

Prints one line per check, "PASS FILE (SCHEMA)" or "FAIL FILE (SCHEMA): why",
and exits 1 if any failed. Needs Debian's python3-jsonschema.
"""

import datetime
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import jsonschema

ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "minLength": 1},
        },
    },
}

DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})")

checker = jsonschema.FormatChecker(formats=())


@checker.checks("date-time", raises=ValueError)
def _date_time(value):
    if not isinstance(value, str):
        return True
    if not DATETIME_RE.fullmatch(value):
        return False
    datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    return True


@checker.checks("uri", raises=ValueError)
def _uri(value):
    if not isinstance(value, str):
        return True
    u = urllib.parse.urlsplit(value)
    return bool(u.scheme) and bool(u.netloc or u.path)


# XML: which elements are lists, and the types of leaves.
LISTS = {"services", "service_requests", "attributes", "values", "errors",
         "endpoints", "formats"}
BOOLEANS = {"metadata", "variable", "required"}
INTEGERS = {"order", "code"}
NUMBERS = {"lat", "long"}


def xml_to_json(el):
    if el.tag in LISTS:
        return [xml_to_json(c) for c in el]
    if len(el):
        out = {}
        for c in el:
            if c.tag in out:
                raise ValueError("<%s> appears twice in <%s>" % (c.tag, el.tag))
            out[c.tag] = xml_value(c)
        return out
    return el.text


def xml_value(el):
    if el.tag in LISTS or len(el):
        return xml_to_json(el)
    t = el.text
    if t is None or t == "":
        return None
    if el.tag in BOOLEANS:
        if t not in ("true", "false"):
            raise ValueError("<%s> is %r, not true or false" % (el.tag, t))
        return t == "true"
    if el.tag in INTEGERS and re.fullmatch(r"-?\d+", t):
        return int(t)
    if el.tag in NUMBERS:
        return float(t)
    return t


def load_instance(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xml"):
        root = ET.fromstring(data)
        return xml_to_json(root)
    return json.loads(data.decode("utf-8"))


class Schemas:
    def __init__(self, spec_dir):
        self.dir = spec_dir
        self.store = {}
        for name in os.listdir(spec_dir):
            if name.endswith(".json"):
                with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
                    self.store[self.uri(name)] = json.load(f)

    def uri(self, name):
        return "file://" + os.path.abspath(os.path.join(self.dir, name))

    def validator(self, name):
        if name == "open311-errors":
            return jsonschema.Draft7Validator(ERRORS_SCHEMA, format_checker=checker)
        if name.startswith("swagger:"):
            defn = name[len("swagger:"):]
            array = defn.endswith("[]")
            defn = defn.rstrip("[]")
            sw = self.store[self.uri("swagger.json")]
            if defn not in sw["definitions"]:
                raise KeyError("swagger.json defines no %s" % defn)
            ref = {"$ref": "#/definitions/" + defn}
            schema = {"definitions": sw["definitions"],
                      **({"type": "array", "minItems": 1, "items": ref} if array else ref)}
            return jsonschema.Draft4Validator(schema, format_checker=checker)
        uri = self.uri(name)
        if uri not in self.store:
            raise KeyError("no schema %s in %s" % (name, self.dir))
        resolver = jsonschema.RefResolver(uri, self.store[uri], store=self.store)
        return jsonschema.Draft7Validator(self.store[uri], resolver=resolver,
                                          format_checker=checker)


def main(argv):
    args = argv[1:]
    spec_dir = None
    if len(args) >= 2 and args[0] == "--spec-dir":
        spec_dir = args[1]
        args = args[2:]
    if not spec_dir or not args or any("=" not in a for a in args):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schemas = Schemas(spec_dir)
    failed = 0
    for a in args:
        name, path = a.split("=", 1)
        try:
            v = schemas.validator(name)
            inst = load_instance(path)
            errs = sorted(v.iter_errors(inst), key=lambda e: list(e.absolute_path))
            if errs:
                why = "; ".join("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)",
                                            e.message) for e in errs[:5])
                raise ValueError(why)
        except (OSError, ValueError, KeyError, ET.ParseError, jsonschema.RefResolutionError) as e:
            failed += 1
            print("FAIL %s (%s): %s" % (path, name, e))
            continue
        print("PASS %s (%s)" % (path, name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
