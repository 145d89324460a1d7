#!/usr/bin/python3
"""A reference council back end for Hatch's delivery tests.

Serves, over HTTPS on loopback:
  /open311/v2/  Open311 GeoReport v2 (services, service definitions, POST
                requests, tokens, requests/{id}), JSON and XML
  /webhook      the JSON webhook (signed, idempotent by the record's uuid)
  /heartbeat    a fleet monitor's end: signed kiosk heartbeats, kept in
                STATE/heartbeats.jsonl (see "Fleet heartbeats" below)
  /_control     run-time switches for the tests: faults, what was accepted,
                how many request bytes arrived, reset
  /static/NAME  the file NAME of --static-dir, with an ETag (journey bundles;
                see "Static files" below)

    backend.py --port 0 --cert C --key K --db FILE --state-dir DIR
               [--client-ca CA] [--api-key KEY] [--webhook-secret S] ...

Prints "listening PORT" on standard output once it accepts connections.
Debian's python3 and its standard library; python3-nacl opens sealed webhook
envelopes (--seal-secret-key). See tests/backend/README.md.
"""

import argparse
import base64
import binascii
import collections
import datetime
import email.utils
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import signal
import socket
import socketserver
import sqlite3
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
OPEN311 = "/open311/v2/"
HANDSHAKE_TIMEOUT = 10.0
IO_TIMEOUT = 30.0
GIB = 1 << 30

# ---------------------------------------------------------------------------
# The council's services.

SERVICES = [
    {
        "service_code": "missed-bin",
        "service_name": "Report a missed bin collection",
        "description": "A bin was out on the right day but was not emptied.",
        "metadata": True,
        "type": "realtime",
        "keywords": "bin, bins, missed collection, rubbish, recycling",
        "group": "Waste and recycling",
    },
    {
        "service_code": "fly-tipping",
        "service_name": "Report fly-tipping",
        "description": "Rubbish dumped illegally on public land.",
        "metadata": True,
        "type": "batch",
        "keywords": "fly-tipping, dumping, rubbish, waste",
        "group": "Street cleaning",
    },
    {
        "service_code": "streetlight",
        "service_name": "Report a street light fault",
        "description": "A street light that is out, flashing, on during the day or damaged.",
        "metadata": True,
        "type": "blackbox",
        "keywords": "street light, lamp, lighting, dark",
        "group": "Roads and lighting",
    },
]


def _attr(order, code, datatype, required, description, values=None,
          variable=True, datatype_description=None):
    a = {
        "variable": variable,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": datatype_description,
        "order": order,
        "description": description,
    }
    if values is not None:
        a["values"] = [{"key": k, "name": n} for k, n in values]
    return a


DEFINITIONS = {
    "missed-bin": [
        _attr(1, "bins", "multivaluelist", True, "Which bins were not collected?",
              [("refuse", "General rubbish"), ("recycling", "Recycling"),
               ("garden", "Garden waste"), ("food", "Food waste")]),
        _attr(2, "collection_date", "datetime", True,
              "When should they have been collected?",
              datatype_description="Date and time in ISO 8601 with a time zone"),
        _attr(3, "number_of_bins", "number", False, "How many bins were not collected?"),
        _attr(4, "reason", "singlevaluelist", False, "Do you know why it was missed?",
              [("unknown", "I don't know"), ("blocked", "Blocked by parked vehicles"),
               ("gate-locked", "Gate locked"), ("too-heavy", "Bin too heavy")]),
        _attr(5, "uprn", "string", False, "Unique Property Reference Number of the address",
              datatype_description="Up to 12 digits"),
        _attr(6, "notes", "text", False, "Anything else the crew should know?"),
        _attr(7, "collection_info", "text", False,
              "Bins must be at the kerbside by 7am on collection day.", variable=False),
    ],
    "fly-tipping": [
        _attr(1, "waste_type", "multivaluelist", True, "What has been dumped?",
              [("household", "Household rubbish"), ("building", "Building rubble"),
               ("furniture", "Furniture"), ("tyres", "Tyres"),
               ("asbestos", "Possible asbestos"), ("other", "Something else")]),
        _attr(2, "size", "singlevaluelist", True, "How much is there?",
              [("bag", "A single bag"), ("car-boot", "A car boot load"),
               ("van", "A small van load"), ("lorry", "A lorry load or more")]),
        _attr(3, "seen_at", "datetime", False, "When did you see it?"),
        _attr(4, "notes", "text", False, "Anything else we should know?"),
        _attr(5, "safety_info", "text", False,
              "Do not touch the waste: it may be hazardous.", variable=False),
    ],
    "streetlight": [
        _attr(1, "column_number", "string", False, "The number on the lamp post"),
        _attr(2, "fault", "singlevaluelist", True, "What is wrong with the light?",
              [("out", "It is not working"), ("day", "It is on during the day"),
               ("flashing", "It is flashing"), ("damaged", "It is damaged")]),
        _attr(3, "fault_since", "datetime", False, "Since when?"),
        _attr(4, "safety_info", "text", False,
              "If wires are showing, phone 0300 000 0000 now.", variable=False),
    ],
}

NOTICES = {
    "missed-bin": "We will return to collect your bins within 2 working days.",
    "fly-tipping": "We aim to clear fly-tipping within 5 working days.",
    "streetlight": "Street light faults go to our lighting contractor, who does not send updates.",
}
AGENCIES = {
    "missed-bin": "Waste Services",
    "fly-tipping": "Street Cleaning",
    "streetlight": "Street Lighting Contractor",
}
EXPECTED_DAYS = {"missed-bin": 2, "fly-tipping": 5}

# Optional POST parameters the GeoReport v2 specification names that the
# Swagger description leaves out.
SPEC_OPTIONAL = ["email", "device_id", "account_id", "first_name", "last_name",
                 "phone", "description", "media_url"]

# Used when the Swagger description cannot be found.
BUILTIN_POST_PARAMS = {
    "jurisdiction_id": {"type": "string", "required": False},
    "service_code": {"type": "string", "required": True},
    "lat": {"type": "number", "required": False},
    "long": {"type": "number", "required": False},
    "address_string": {"type": "string", "required": False},
    "address_id": {"type": "string", "required": False},
    "attribute": {"type": "array", "required": False},
    "api_key": {"type": "string", "required": True},
}

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ATTR_RE = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})")
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
REFERENCE_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]")


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def is_iso_datetime(s):
    """An ISO 8601 date and time with a time zone (Z or +hh:mm)."""
    m = DATETIME_RE.fullmatch(s) if isinstance(s, str) else None
    if not m:
        return False
    try:
        datetime.datetime(int(s[0:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]),
                          int(s[14:16]), int(s[17:19]) if m.group(1) else 0)
    except ValueError:
        return False
    tz = m.group(3)
    return tz == "Z" or (int(tz[1:3]) <= 23 and int(tz[4:6]) <= 59)


def reference_ok(ref):
    """A Hatch reference XXXX-XXXX-C with a correct Crockford check character."""
    if not isinstance(ref, str) or not REFERENCE_RE.fullmatch(ref):
        return False
    v = 0
    for c in ref[0:4] + ref[5:9]:
        v = v * 32 + CROCKFORD.index(c)
    return CROCKFORD[v % 37] == ref[10]


# ---------------------------------------------------------------------------
# What the shared specifications say a POST requests.* may carry.

def find_spec_dir(given):
    cands = []
    if given:
        return given if os.path.isfile(os.path.join(given, "swagger.json")) else None
    if os.environ.get("HATCH_OPEN311_SPECS"):
        cands.append(os.environ["HATCH_OPEN311_SPECS"])
    cands += [os.path.join(TOP, "specs", "open311-georeport-v2"),
              os.path.join(TOP, "docs", "specs", "open311-georeport-v2"),
              os.path.join(os.path.dirname(TOP), "shared", "specs", "open311-georeport-v2")]
    for c in cands:
        if os.path.isfile(os.path.join(c, "swagger.json")):
            return c
    return None


def load_post_rules(spec_dir):
    """The POST requests parameters (name -> {type, required}) and the
    description's maximum length, from swagger.json and request.json."""
    if not spec_dir:
        return dict(BUILTIN_POST_PARAMS), 4000, "builtin"
    with open(os.path.join(spec_dir, "swagger.json"), encoding="utf-8") as f:
        sw = json.load(f)
    op = sw["paths"]["/requests.{response_format}"]["post"]
    params = {}
    for p in op.get("parameters", []):
        if "$ref" in p:
            node = sw
            for part in p["$ref"].lstrip("#/").split("/"):
                node = node[part]
            p = node
        if p.get("in") == "path":
            continue
        params[p["name"]] = {"type": p.get("type", "string"),
                             "required": bool(p.get("required"))}
    # The specification wins over the Swagger file: jurisdiction_id is only
    # needed where an endpoint serves several jurisdictions.
    if "jurisdiction_id" in params:
        params["jurisdiction_id"]["required"] = False
    for sec in op.get("security", []):
        for name in sec:
            d = sw.get("securityDefinitions", {}).get(name, {})
            if d.get("type") == "apiKey":
                params[d["name"]] = {"type": "string", "required": True}
    maxlen = 4000
    try:
        with open(os.path.join(spec_dir, "request.json"), encoding="utf-8") as f:
            rq = json.load(f)
        for alt in rq["properties"]["description"].get("anyOf", []):
            if "maxLength" in alt:
                maxlen = int(alt["maxLength"])
    except (OSError, KeyError, ValueError):
        pass
    return params, maxlen, os.path.join(spec_dir, "swagger.json")


# ---------------------------------------------------------------------------
# XML in the GeoReport v2 forms.

LIST_ITEMS = {"services": "service", "attributes": "attribute", "values": "value",
              "service_requests": "request", "errors": "error",
              "endpoints": "endpoint", "formats": "format"}


def _xml_fill(el, value):
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_fill(ET.SubElement(el, k), v)
    elif isinstance(value, list):
        item = LIST_ITEMS.get(el.tag, "item")
        for v in value:
            _xml_fill(ET.SubElement(el, item), v)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is None:
        pass
    else:
        el.text = str(value)


def to_xml(root, value):
    el = ET.Element(root)
    _xml_fill(el, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="utf-8")


# ---------------------------------------------------------------------------
# Faults.

FAULTS = {
    # name: (default parameters, stores the request first)
    "500": ({}, False),
    "503": ({"retry_after": 2, "retry_after_format": "seconds"}, False),
    "429": ({"retry_after": 2, "retry_after_format": "seconds"}, False),
    "400": ({"errors": None}, False),
    "slow": ({"interval": 1.0, "what": "body"}, True),
    "reset": ({"close": "rst", "delay": 0.2}, True),
    "huge": ({"size": GIB, "chunked": False}, False),
    "accept-then-fail": ({}, True),
    "drop": ({}, False),
    "hang": ({"seconds": 30.0}, False),
    "redirect": ({"status": 302, "location": "http://127.0.0.1:9/"}, False),
}
FAULT_ALIASES = {"503-date": ("503", {"retry_after_format": "date"}),
                 "429-date": ("429", {"retry_after_format": "date"})}
COMMON_FAULT_KEYS = {"fault", "count", "method", "path", "store"}


class ControlError(Exception):
    pass


def make_fault(spec):
    if not isinstance(spec, dict):
        raise ControlError("a fault is a JSON object")
    name = spec.get("fault")
    extra = {}
    if name in FAULT_ALIASES:
        name, extra = FAULT_ALIASES[name]
    if name not in FAULTS:
        raise ControlError("unknown fault %r; known: %s" % (
            spec.get("fault"), ", ".join(sorted(list(FAULTS) + list(FAULT_ALIASES)))))
    defaults, store = FAULTS[name]
    f = {"fault": name, "count": 1, "method": None, "path": None, "store": store}
    f.update(defaults)
    f.update(extra)
    for k, v in spec.items():
        if k == "fault":
            continue
        if k not in COMMON_FAULT_KEYS and k not in defaults:
            raise ControlError("fault %s takes no parameter %r" % (name, k))
        f[k] = v
    if not isinstance(f["count"], int) or isinstance(f["count"], bool) or f["count"] < 1:
        raise ControlError("count must be a whole number of at least 1")
    if f["method"] is not None and f["method"] not in ("GET", "POST"):
        raise ControlError("method must be GET or POST")
    if f["path"] is not None and not isinstance(f["path"], str):
        raise ControlError("path must be a string (a path prefix)")
    if not isinstance(f["store"], bool):
        raise ControlError("store must be true or false")
    if f.get("close", "rst") not in ("rst", "fin"):
        raise ControlError("close must be rst or fin")
    for k in ("retry_after", "interval", "seconds", "delay"):
        if k in f and (not isinstance(f[k], (int, float)) or isinstance(f[k], bool) or f[k] < 0):
            raise ControlError("%s must be a number of seconds, at least 0" % k)
    if f.get("retry_after_format", "seconds") not in ("seconds", "date"):
        raise ControlError("retry_after_format must be seconds or date")
    if f.get("what", "body") not in ("body", "all"):
        raise ControlError("what must be body or all")
    if "size" in f and (not isinstance(f["size"], int) or isinstance(f["size"], bool) or f["size"] < 0):
        raise ControlError("size must be a whole number of bytes")
    if "chunked" in f and not isinstance(f["chunked"], bool):
        raise ControlError("chunked must be true or false")
    if name == "redirect":
        if f["status"] not in (301, 302, 303, 307, 308):
            raise ControlError("status must be 301, 302, 303, 307 or 308")
        if not isinstance(f["location"], str) or not f["location"] or re.search(r"[\r\n]", f["location"]):
            raise ControlError("location must be a URL on one line")
    if f.get("errors") is not None:
        if (not isinstance(f["errors"], list) or not f["errors"]
                or not all(isinstance(e, str) for e in f["errors"])):
            raise ControlError("errors must be a list of strings")
    return f


# ---------------------------------------------------------------------------
# State: the database, the fault queue, counters, the log of requests.

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_uuid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('open311', 'webhook')),
    service_code TEXT,
    service_request_id TEXT UNIQUE,
    token TEXT UNIQUE,
    token_polls INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL,
    body BLOB NOT NULL,
    body_sha256 TEXT NOT NULL,
    content_type TEXT,
    client_cn TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    mismatches INTEGER NOT NULL DEFAULT 0,
    received TEXT NOT NULL,
    last_received TEXT NOT NULL
);
"""

COLUMNS = ("seq", "submission_uuid", "kind", "service_code", "service_request_id",
           "token", "token_polls", "fields", "body", "body_sha256", "content_type",
           "client_cn", "attempts", "mismatches", "received", "last_received")


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.db = sqlite3.connect(args.db, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.faults = []
        self.log = collections.deque(maxlen=2000)
        self.api_key = args.api_key
        self.webhook_secret = args.webhook_secret
        self.seal_secret = None
        if args.seal_secret_key:
            with open(args.seal_secret_key, encoding="ascii") as f:
                self.seal_secret = bytes.fromhex(f.read().strip())
        self.token_polls = args.token_polls
        self.spec_dir = find_spec_dir(args.spec_dir)
        self.post_params, self.description_max, self.rules_from = load_post_rules(self.spec_dir)
        self.reset_counters()
        self.logfile = open(os.path.join(args.state_dir, "backend.log"), "a", encoding="utf-8")

    # counters --------------------------------------------------------------
    def reset_counters(self):
        with self.lock:
            self.counters = {"request_bytes": 0, "body_bytes": 0, "requests": 0,
                             "tls_handshakes": 0, "tls_failures": 0, "tls_errors": []}
            self.write_counters()

    def write_counters(self):
        path = os.path.join(self.args.state_dir, "counters.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.counters, f)
        os.replace(tmp, path)

    def count_request(self, nbytes, body):
        with self.lock:
            self.counters["request_bytes"] += nbytes
            self.counters["body_bytes"] += body
            self.counters["requests"] += 1
            self.write_counters()

    def count_tls(self, error=None):
        with self.lock:
            if error is None:
                self.counters["tls_handshakes"] += 1
            else:
                self.counters["tls_failures"] += 1
                self.counters["tls_errors"] = (self.counters["tls_errors"] + [error])[-20:]
            self.write_counters()

    # log -------------------------------------------------------------------
    def note(self, text):
        with self.lock:
            self.logfile.write("%s %s\n" % (now_iso(), text))
            self.logfile.flush()

    def record_hit(self, entry):
        with self.lock:
            self.log.append(entry)
            self.note("%s %s %s%s%s" % (entry["method"], entry["path"], entry["status"],
                                        " fault=" + entry["fault"] if entry["fault"] else "",
                                        " uuid=" + entry["uuid"] if entry["uuid"] else ""))

    # faults ----------------------------------------------------------------
    def add_faults(self, specs):
        made = [make_fault(s) for s in specs]
        with self.lock:
            self.faults.extend(made)
            return list(self.faults)

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f["method"] and f["method"] != method:
                    continue
                if f["path"] and not path.startswith(f["path"]):
                    continue
                f["count"] -= 1
                if f["count"] == 0:
                    self.faults.remove(f)
                return dict(f)
        return None

    # storage ---------------------------------------------------------------
    def row(self, where, *params):
        with self.lock:
            r = self.db.execute("SELECT %s FROM submissions WHERE %s" % (", ".join(COLUMNS), where),
                                params).fetchone()
        return dict(zip(COLUMNS, r)) if r else None

    def rows(self, where="1", *params):
        with self.lock:
            rs = self.db.execute("SELECT %s FROM submissions WHERE %s ORDER BY seq" % (
                ", ".join(COLUMNS), where), params).fetchall()
        return [dict(zip(COLUMNS, r)) for r in rs]

    def accept(self, uuid, kind, service_code, fields, body, content_type, client_cn, batch):
        """Stores a submission unless its uuid is known. Returns (row, new)."""
        sha = hashlib.sha256(body).hexdigest()
        t = now_iso()
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                old = self.db.execute("SELECT seq, body_sha256 FROM submissions WHERE submission_uuid = ?",
                                      (uuid,)).fetchone()
                if old:
                    self.db.execute(
                        "UPDATE submissions SET attempts = attempts + 1, mismatches = mismatches + ?,"
                        " last_received = ? WHERE seq = ?", (int(old[1] != sha), t, old[0]))
                    new = False
                else:
                    cur = self.db.execute(
                        "INSERT INTO submissions (submission_uuid, kind, service_code, fields, body,"
                        " body_sha256, content_type, client_cn, received, last_received)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (uuid, kind, service_code, json.dumps(fields), body, sha, content_type,
                         client_cn, t, t))
                    seq = cur.lastrowid
                    rid = ("SR-%06d" if kind == "open311" else "WH-%06d") % seq
                    token = ("tk-" + secrets.token_hex(8)) if batch else None
                    self.db.execute("UPDATE submissions SET service_request_id = ?, token = ? WHERE seq = ?",
                                    (rid, token, seq))
                    new = True
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            return self.row("submission_uuid = ?", uuid), new

    def poll_token(self, token):
        with self.lock:
            self.db.execute("UPDATE submissions SET token_polls = token_polls + 1 WHERE token = ?", (token,))
            return self.row("token = ?", token)

    def reset(self):
        with self.lock:
            self.faults = []
            self.log.clear()
            self.db.execute("DELETE FROM submissions")
            self.reset_counters()


# ---------------------------------------------------------------------------
# Responses.

class Response:
    def __init__(self, status, body=b"", ctype="application/json; charset=utf-8",
                 headers=None, uuid=None):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = list(headers or [])
        self.uuid = uuid


def json_response(status, value, headers=None, uuid=None):
    return Response(status, json.dumps(value, ensure_ascii=False).encode("utf-8"),
                    headers=headers, uuid=uuid)


def open311_response(status, fmt, root, value, headers=None, uuid=None):
    if fmt == "xml":
        return Response(status, to_xml(root, value), "text/xml; charset=utf-8", headers, uuid)
    return json_response(status, value, headers, uuid)


def open311_errors(status, fmt, descriptions, uuid=None, headers=None):
    if isinstance(descriptions, str):
        descriptions = [descriptions]
    return open311_response(status, fmt, "errors",
                            [{"code": status, "description": d} for d in descriptions],
                            headers=headers, uuid=uuid)


class BodyError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class CountingReader:
    """Wraps a connection's reader, counting the decrypted bytes read."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readline(self, *a):
        b = self.raw.readline(*a)
        self.count += len(b)
        return b

    def read(self, *a):
        b = self.raw.read(*a)
        self.count += len(b)
        return b

    def read1(self, *a):
        b = self.raw.read1(*a)
        self.count += len(b)
        return b

    def readinto(self, buf):
        n = self.raw.readinto(buf)
        self.count += n or 0
        return n

    def close(self):
        self.raw.close()

    def __getattr__(self, name):
        return getattr(self.raw, name)


# ---------------------------------------------------------------------------
# The request handler.

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HatchTestBackend/1"
    sys_version = ""

    def setup(self):
        super().setup()
        self.rfile = CountingReader(self.rfile)
        self.state = self.server.state

    def log_message(self, fmt, *args):
        self.state.note("%s %s" % (self.address_string(), fmt % args))

    def handle_one_request(self):
        start = self.rfile.count
        self.path = ""
        self.body_read = 0
        try:
            super().handle_one_request()
        except OSError as e:
            self.close_connection = True
            self.state.note("connection error: %s" % e)
        finally:
            used = self.rfile.count - start
            path = urllib.parse.urlsplit(self.path or "").path
            if used and not is_control(path):
                self.state.count_request(used, self.body_read)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # -- reading ------------------------------------------------------------
    def read_body(self):
        limit = self.state.args.max_body
        te = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if te:
            if te != "chunked":
                raise BodyError(501, "Transfer-Encoding %s is not supported" % te)
            parts = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line.endswith(b"\n"):
                    raise BodyError(400, "bad chunk")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BodyError(400, "bad chunk size")
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > limit:
                    raise BodyError(413, "the body is larger than %d bytes" % limit)
                data = self.rfile.read(size)
                if len(data) < size:
                    raise BodyError(400, "the body ended early")
                self.body_read += size
                parts.append(data)
                self.rfile.readline(8)
            return b"".join(parts)
        cl = self.headers.get("Content-Length")
        if cl is None:
            if self.command in ("POST", "PUT", "PATCH"):
                raise BodyError(411, "Content-Length is required")
            return b""
        if not cl.strip().isdigit():
            raise BodyError(400, "bad Content-Length")
        n = int(cl)
        if n > limit:
            raise BodyError(413, "the body is larger than %d bytes" % limit)
        data = self.rfile.read(n) if n else b""
        self.body_read += len(data)
        if len(data) < n:
            raise BodyError(400, "the body ended early")
        return data

    def client_cn(self):
        try:
            cert = self.connection.getpeercert()
        except (ValueError, AttributeError):
            return None
        for rdn in (cert or {}).get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    # -- dispatch -----------------------------------------------------------
    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        started = time.time()
        fault = None
        resp = None
        hint = None
        try:
            try:
                body = self.read_body()
            except BodyError as e:
                self.close_connection = True
                resp = json_response(e.status, {"error": "bad_body", "detail": str(e)},
                                     headers=[("Connection", "close")])
                if path.startswith(OPEN311):
                    resp = open311_errors(e.status, fmt_of(path), str(e),
                                          headers=[("Connection", "close")])
                self.send(resp)
                return
            if is_control(path):
                self.send(self.control(method, path, url.query, body))
                return
            hint = self.uuid_hint(path, body)
            fault = self.state.take_fault(method, path)
            if fault is None or fault["store"]:
                resp = self.route(method, path, url.query, body)
            if fault is None:
                self.send(resp)
            else:
                resp = self.apply_fault(fault, resp, path)
        except OSError as e:
            self.close_connection = True
            self.state.note("%s %s: connection lost: %s" % (method, path, e))
        except Exception:
            self.close_connection = True
            self.state.note("error in %s %s:\n%s" % (method, path, traceback.format_exc()))
            try:
                resp = json_response(500, {"error": "internal", "detail": "see backend.log"})
                self.send(resp)
            except OSError:
                pass
        finally:
            if not is_control(path):
                self.state.record_hit({
                    "time": now_iso(), "t": round(started, 3), "method": method, "path": path,
                    "status": resp.status if resp else None,
                    "fault": fault["fault"] if fault else None,
                    "uuid": (resp.uuid if resp else None) or hint,
                })

    def uuid_hint(self, path, body):
        """The submission UUID a request carries, for the log, read before
        any fault answers it."""
        if path == "/webhook":
            return (self.headers.get("Idempotency-Key") or "").strip().lower() or None
        if path.startswith(OPEN311 + "requests.") and body:
            try:
                for k, v in urllib.parse.parse_qsl(body.decode("utf-8")):
                    if k == "attribute[submission_uuid]":
                        return v.lower()
            except (UnicodeDecodeError, ValueError):
                pass
        return None

    def route(self, method, path, query, body):
        if path.startswith(STATIC):
            return static_file(self, method, path)
        if path.startswith(OPEN311):
            return self.open311(method, path[len(OPEN311):], query, body)
        if path == "/webhook":
            if method != "POST":
                return json_response(405, {"error": "method_not_allowed"}, headers=[("Allow", "POST")])
            return self.webhook(body)
        if path == "/heartbeat":
            return heartbeat(self, method, body)
        if path == "/" and method == "GET":
            return json_response(200, {"service": "Hatch test council back end",
                                       "open311": OPEN311, "webhook": "/webhook",
                                       "control": "/_control"})
        return json_response(404, {"error": "not_found", "path": path})

    # -- sending ------------------------------------------------------------
    def head_bytes(self, resp, length=None, chunked=False):
        reason = self.responses.get(resp.status, ("Unknown",))[0]
        lines = ["HTTP/1.1 %d %s" % (resp.status, reason),
                 "Date: %s" % email.utils.formatdate(usegmt=True),
                 "Server: %s" % self.server_version,
                 "Content-Type: %s" % resp.ctype]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append("Content-Length: %d" % (len(resp.body) if length is None else length))
        for k, v in resp.headers:
            lines.append("%s: %s" % (k, v))
        if self.close_connection and not any(k.lower() == "connection" for k, _ in resp.headers):
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send(self, resp):
        self.wfile.write(self.head_bytes(resp) + resp.body)

    def reset_connection(self):
        """Ends the connection with a TCP reset, no TLS close_notify."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.connection.close()

    def apply_fault(self, f, resp, path):
        """Answers as the fault says. RESP is the normal answer when the
        fault stores the request first, else None. Returns what was sent."""
        name = f["fault"]
        kind = "open311" if path.startswith(OPEN311) else "other"
        fmt = fmt_of(path)
        uuid = resp.uuid if resp else None

        def error(status, text, headers=None):
            if kind == "open311":
                return open311_errors(status, fmt, text, uuid=uuid, headers=headers)
            return json_response(status, {"error": text}, headers=headers, uuid=uuid)

        if name in ("500", "accept-then-fail"):
            out = error(500, "Internal server error")
            self.send(out)
            return out
        if name in ("503", "429"):
            if f["retry_after_format"] == "date":
                ra = email.utils.formatdate(time.time() + f["retry_after"], usegmt=True)
            else:
                ra = "%d" % math.ceil(f["retry_after"])
            status = int(name)
            text = "Service unavailable, try again later" if status == 503 else "Too many requests"
            out = error(status, text, headers=[("Retry-After", ra)])
            self.send(out)
            return out
        if name == "400":
            texts = f["errors"] or [
                "service_code: this service is not taking reports at the moment",
                "lat: must be a number between -90 and 90",
                "attribute[bins]: 'wheelie' is not one of refuse, recycling, garden, food",
            ]
            if kind == "open311":
                out = open311_errors(400, fmt, texts, uuid=uuid)
            else:
                out = json_response(400, {"error": "invalid_record", "problems": texts}, uuid=uuid)
            self.send(out)
            return out
        if name == "slow":
            if f["what"] == "all":
                data = self.head_bytes(resp) + resp.body
            else:
                self.wfile.write(self.head_bytes(resp))
                data = resp.body
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                if i + 1 < len(data):
                    time.sleep(f["interval"])
            return resp
        if name == "reset":
            half = len(resp.body) // 2
            self.wfile.write(self.head_bytes(resp) + resp.body[:half])
            # Let the client read the half before the reset discards it.
            time.sleep(f["delay"])
            if f["close"] == "rst":
                self.reset_connection()
            else:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                self.connection.close()
            return resp
        if name == "huge":
            out = Response(200, b"", "text/xml; charset=utf-8" if fmt == "xml"
                           else "application/json; charset=utf-8", uuid=uuid)
            size = f["size"]
            self.close_connection = True
            self.wfile.write(self.head_bytes(out, length=size, chunked=f["chunked"]))
            first = b"[" + b" " * 65535
            rest = b" " * 65536
            sent = 0
            while sent < size:
                n = min(65536, size - sent)
                piece = (first if sent == 0 else rest)[:n]
                if f["chunked"]:
                    self.wfile.write(b"%x\r\n" % n + piece + b"\r\n")
                else:
                    self.wfile.write(piece)
                sent += n
            if f["chunked"]:
                self.wfile.write(b"0\r\n\r\n")
            return out
        if name == "drop":
            self.close_connection = True
            self.connection.close()
            return None
        if name == "redirect":
            out = error(f["status"], "Moved", headers=[("Location", f["location"])])
            self.send(out)
            return out
        if name == "hang":
            time.sleep(f["seconds"])
            self.close_connection = True
            self.connection.close()
            return None
        raise AssertionError(name)

    # -- Open311 ------------------------------------------------------------
    def open311(self, method, rest, query, body):
        fmt = fmt_of(rest)
        m = re.fullmatch(r"(discovery|services|requests)\.(json|xml)", rest)
        ms = re.fullmatch(r"services/([A-Za-z0-9_-]+)\.(json|xml)", rest)
        mr = re.fullmatch(r"requests/([A-Za-z0-9_-]+)\.(json|xml)", rest)
        mt = re.fullmatch(r"tokens/([A-Za-z0-9_-]+)\.(json|xml)", rest)
        if not (m or ms or mr or mt):
            return open311_errors(404, fmt, "No such resource: %s%s" % (OPEN311, rest))
        post = bool(m) and m.group(1) == "requests"
        if method not in (("GET", "POST") if post else ("GET",)):
            return open311_errors(405, fmt, "Method %s is not allowed here" % method,
                                  headers=[("Allow", "GET, POST" if post else "GET")])
        if method == "POST":
            return self.create_request(fmt, query, body)
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        j = q.get("jurisdiction_id")
        if j and j[0] != self.state.args.jurisdiction_id:
            return open311_errors(404, fmt, "jurisdiction_id %s not found" % j[0])
        if m and m.group(1) == "discovery":
            base = "https://%s%s" % (self.headers.get("Host") or "127.0.0.1", OPEN311.rstrip("/"))
            return open311_response(200, fmt, "discovery", {
                "changeset": "2025-01-01T00:00:00Z",
                "contact": "Test council, digital team, digital@council.example",
                "key_service": "Ask the digital team for an api_key",
                "endpoints": [{
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base, "changeset": "2025-01-01T00:00:00Z", "type": "test",
                    "formats": ["text/xml", "application/json"]}]})
        if m and m.group(1) == "services":
            return open311_response(200, fmt, "services", SERVICES)
        if ms:
            code = ms.group(1)
            if code not in DEFINITIONS:
                return open311_errors(404, fmt, "service_code %s not found" % code)
            return open311_response(200, fmt, "service_definition",
                                    {"service_code": code, "attributes": DEFINITIONS[code]})
        if mt:
            row = self.state.poll_token(mt.group(1))
            if not row:
                return open311_errors(404, fmt, "token %s not found" % mt.group(1))
            item = {"token": row["token"]}
            if row["token_polls"] > self.state.token_polls:
                item = {"service_request_id": row["service_request_id"], "token": row["token"]}
            return open311_response(200, fmt, "service_requests", [item],
                                    uuid=row["submission_uuid"])
        if mr:
            row = self.state.row("service_request_id = ? AND kind = 'open311'", mr.group(1))
            if not row or not self.visible(row):
                return open311_errors(404, fmt, "service_request_id %s not found" % mr.group(1))
            return open311_response(200, fmt, "service_requests", [request_view(row)],
                                    uuid=row["submission_uuid"])
        # GET requests.*: the visible requests, filtered.
        rows = [r for r in self.state.rows("kind = 'open311'") if self.visible(r)]
        if q.get("service_request_id"):
            ids = set(q["service_request_id"][0].split(","))
            rows = [r for r in rows if r["service_request_id"] in ids]
        else:
            if q.get("service_code"):
                rows = [r for r in rows if r["service_code"] == q["service_code"][0]]
            if q.get("status") and "open" not in q["status"][0].split(","):
                rows = []
        return open311_response(200, fmt, "service_requests", [request_view(r) for r in rows])

    def visible(self, row):
        t = service_type(row["service_code"])
        if t == "realtime":
            return True
        if t == "batch":
            return row["token_polls"] > self.state.token_polls
        return False

    def create_request(self, fmt, query, body):
        st = self.state
        if query:
            return open311_errors(400, fmt, "Send the parameters in the form-encoded body, not in the URL")
        ctype = self.headers.get("Content-Type") or ""
        mtype, _, rest = ctype.partition(";")
        params = dict(p.strip().lower().split("=", 1) for p in rest.split(";") if "=" in p)
        if mtype.strip().lower() != "application/x-www-form-urlencoded":
            return open311_errors(400, fmt, "Content-Type must be application/x-www-form-urlencoded; charset=utf-8")
        if params.get("charset", "utf-8").strip('"') not in ("utf-8", "utf8"):
            return open311_errors(400, fmt, "The form must be encoded in UTF-8 (charset=utf-8)")
        try:
            text = body.decode("utf-8")
            pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                                           encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            return open311_errors(400, fmt, "The body is not a UTF-8 form (application/x-www-form-urlencoded)")

        keys = [v for k, v in pairs if k == "api_key"]
        if not keys or not hmac.compare_digest(keys[0].encode(), st.api_key.encode()):
            return open311_errors(403, fmt, "Invalid api_key received -- can't proceed with create_request.")

        errors = []
        singles = collections.OrderedDict()
        attrs = collections.OrderedDict()
        allowed = set(st.post_params) | set(SPEC_OPTIONAL)
        for k, v in pairs:
            am = ATTR_RE.fullmatch(k)
            if am:
                a = attrs.setdefault(am.group(1), {"multi": set(), "values": []})
                a["multi"].add(bool(am.group(2)))
                a["values"].append(v)
            elif k.startswith("attribute"):
                errors.append("%s: not a well-formed attribute parameter (attribute[CODE] or attribute[CODE][])" % k)
            elif k not in allowed:
                errors.append("%s: not a GeoReport v2 parameter" % k)
            else:
                singles.setdefault(k, []).append(v)
        for k, vs in singles.items():
            if len(vs) > 1:
                errors.append("%s: given %d times; give it once" % (k, len(vs)))
        one = {k: vs[0] for k, vs in singles.items()}

        j = one.get("jurisdiction_id")
        if j is not None and j != st.args.jurisdiction_id:
            return open311_errors(404, fmt, "jurisdiction_id %s not found" % j)
        code = one.get("service_code", "")
        for name, rule in st.post_params.items():
            if rule["required"] and name != "api_key" and not one.get(name):
                errors.append("%s: required" % name)
        if code and code not in DEFINITIONS:
            return open311_errors(404, fmt, "service_code %s not found" % code)

        # Types the Swagger description declares.
        numbers = {}
        for name, v in one.items():
            rule = st.post_params.get(name)
            if rule and rule["type"] == "number":
                try:
                    x = float(v)
                    if not math.isfinite(x) or not NUMBER_RE.fullmatch(v.strip()):
                        raise ValueError
                    numbers[name] = x
                except ValueError:
                    errors.append("%s: %r is not a number" % (name, v))
        if "lat" in numbers and not -90 <= numbers["lat"] <= 90:
            errors.append("lat: must be between -90 and 90")
        if "long" in numbers and not -180 <= numbers["long"] <= 180:
            errors.append("long: must be between -180 and 180")
        has_lat, has_long = bool(one.get("lat")), bool(one.get("long"))
        if has_lat != has_long:
            errors.append("lat and long: give both or neither")
        if not ((has_lat and has_long) or one.get("address_string") or one.get("address_id")):
            errors.append("A location is required: lat and long, address_string or address_id")
        desc = one.get("description")
        if desc is not None and len(desc) > st.description_max:
            errors.append("description: %d characters; at most %d" % (len(desc), st.description_max))
        if one.get("email") and not EMAIL_RE.fullmatch(one["email"]):
            errors.append("email: %r is not an email address" % one["email"])
        if one.get("media_url"):
            u = urllib.parse.urlsplit(one["media_url"])
            if u.scheme not in ("http", "https") or not u.netloc:
                errors.append("media_url: must be an absolute http or https URL")

        # Attributes, against the service definition.
        answers = collections.OrderedDict()
        uuid = None
        su = attrs.pop("submission_uuid", None)
        if su is None:
            errors.append("attribute[submission_uuid]: required (the kiosk's submission UUID)")
        elif su["multi"] != {False} or len(su["values"]) != 1 or not UUID_RE.fullmatch(su["values"][0]):
            errors.append("attribute[submission_uuid]: must be one UUID")
        else:
            uuid = su["values"][0].lower()
        defs = {a["code"]: a for a in DEFINITIONS.get(code, [])}
        for acode, a in attrs.items():
            d = defs.get(acode)
            label = "attribute[%s]" % acode
            if d is None:
                if code in DEFINITIONS:
                    errors.append("%s: not an attribute of service %s" % (label, code))
                continue
            if not d["variable"]:
                errors.append("%s: is not variable (information only); send no value" % label)
                continue
            if len(a["multi"]) > 1:
                errors.append("%s: sent both as %s and %s[]" % (label, label, label))
                continue
            multi = True in a["multi"]
            vals = a["values"]
            if d["datatype"] == "multivaluelist":
                if not multi:
                    errors.append("%s: a multivaluelist; send each value as %s[]=" % (label, label))
                    continue
                keys_ok = {v["key"] for v in d["values"]}
                bad = [v for v in vals if v not in keys_ok]
                if bad:
                    errors.append("%s: %s not among %s" % (label, ", ".join(repr(b) for b in bad),
                                                           ", ".join(sorted(keys_ok))))
                if len(set(vals)) != len(vals):
                    errors.append("%s: a value is repeated" % label)
                answers[acode] = vals
                continue
            if multi:
                errors.append("%s: not a multivaluelist; send %s=value" % (label, label))
                continue
            if len(vals) > 1:
                errors.append("%s: given %d times; give it once" % (label, len(vals)))
                continue
            v = vals[0]
            dt = d["datatype"]
            if v == "":
                if d["required"]:
                    errors.append("%s: required, but empty" % label)
                continue
            if dt == "number" and not NUMBER_RE.fullmatch(v):
                errors.append("%s: %r is not a number" % (label, v))
            elif dt == "datetime" and not is_iso_datetime(v):
                errors.append("%s: %r is not an ISO 8601 date and time with a time zone" % (label, v))
            elif dt == "singlevaluelist" and v not in {x["key"] for x in d["values"]}:
                errors.append("%s: %r not among %s" % (label, v, ", ".join(x["key"] for x in d["values"])))
            elif dt == "string" and len(v) > 255:
                errors.append("%s: longer than 255 characters" % label)
            elif dt == "text" and len(v) > 4000:
                errors.append("%s: longer than 4000 characters" % label)
            answers[acode] = v
        for acode, d in defs.items():
            # One sent but unusable has had its own error above.
            if d["variable"] and d["required"] and acode not in attrs:
                errors.append("attribute[%s]: required (%s)" % (acode, d["description"]))
        if errors:
            return open311_errors(400, fmt, errors, uuid=uuid)

        fields = dict(one)
        fields["attributes"] = dict(answers, submission_uuid=uuid)
        stype = service_type(code)
        existing = st.row("submission_uuid = ?", uuid)
        if existing and existing["kind"] != "open311":
            return open311_errors(409, fmt, "submission_uuid %s was already delivered to the webhook" % uuid,
                                  uuid=uuid)
        row, _new = st.accept(uuid, "open311", code, fields, body, ctype, self.client_cn(),
                              batch=(stype == "batch"))
        stype = service_type(row["service_code"])
        item = {}
        if stype == "realtime":
            item = {"service_request_id": row["service_request_id"],
                    "service_notice": NOTICES[row["service_code"]]}
        elif stype == "batch":
            item = {"token": row["token"]}
        else:
            item = {"service_notice": NOTICES[row["service_code"]]}
        acct = json.loads(row["fields"]).get("account_id")
        if acct:
            item["account_id"] = acct
        return open311_response(200, fmt, "service_requests", [item], uuid=uuid)

    # -- webhook ------------------------------------------------------------
    def webhook(self, body):
        st = self.state
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return json_response(415, {"error": "unsupported_media_type",
                                       "detail": "Content-Type must be application/json"})
        sig = (self.headers.get("X-Hatch-Signature") or "").strip()
        want = "sha256=" + hmac.new(st.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig.lower().encode(), want.encode()):
            return json_response(401, {"error": "bad_signature",
                                       "detail": "X-Hatch-Signature must be sha256=<hex HMAC-SHA256 of the body>"})
        key = (self.headers.get("Idempotency-Key") or "").strip()
        if not key:
            return json_response(400, {"error": "missing_idempotency_key"})

        def no_dupes(pairs):
            seen = set()
            for k, _ in pairs:
                if k in seen:
                    raise ValueError("duplicate key %r" % k)
                seen.add(k)
            return dict(pairs)

        def no_constants(c):
            raise ValueError("%s is not JSON" % c)

        try:
            rec = json.loads(body.decode("utf-8"), object_pairs_hook=no_dupes,
                             parse_constant=no_constants)
        except (UnicodeDecodeError, ValueError) as e:
            return json_response(400, {"error": "malformed_json", "detail": str(e)})
        if isinstance(rec, dict) and "sealed" in rec:
            rec, why = self.unseal(rec, no_dupes, no_constants)
            if rec is None:
                return json_response(400, why)
        problems = check_record(rec)
        if problems:
            return json_response(400, {"error": "invalid_record", "problems": problems})
        if key != rec["uuid"]:
            return json_response(400, {"error": "idempotency_key_mismatch",
                                       "detail": "Idempotency-Key must equal the record's uuid",
                                       "idempotency_key": key}, uuid=rec["uuid"].lower())
        uuid = key.lower()
        existing = st.row("submission_uuid = ?", uuid)
        if existing:
            if existing["kind"] != "webhook" or existing["body_sha256"] != hashlib.sha256(body).hexdigest():
                return json_response(422, {"error": "idempotency_key_reused",
                                           "detail": "this key came before with a different body",
                                           "idempotency_key": key}, uuid=uuid)
            row, _ = st.accept(uuid, "webhook", None, rec, body, ctype, self.client_cn(), False)
            return json_response(409, {"error": "duplicate", "idempotency_key": key,
                                       "id": row["service_request_id"]}, uuid=uuid)
        row, new = st.accept(uuid, "webhook", None, rec, body, ctype, self.client_cn(), False)
        if not new:  # lost a race with the same key
            return json_response(409, {"error": "duplicate", "idempotency_key": key,
                                       "id": row["service_request_id"]}, uuid=uuid)
        return json_response(201, {"status": "accepted", "idempotency_key": key,
                                   "id": row["service_request_id"], "reference": rec["reference"]},
                             headers=[("Location", "/webhook/%s" % row["service_request_id"])],
                             uuid=uuid)

    def unseal(self, env, no_dupes, no_constants):
        """A sealed envelope {"sealed", "uuid", "reference"}: the record inside,
        opened with the back end's secret key (crypto_box_seal_open), or None
        and the error to answer with."""
        if set(env) != {"sealed", "uuid", "reference"} or not all(
                isinstance(v, str) for v in env.values()):
            return None, {"error": "invalid_envelope",
                          "detail": "a sealed envelope has exactly sealed, uuid and reference, as strings"}
        if self.state.seal_secret is None:
            return None, {"error": "sealed_unsupported", "detail": "this back end has no secret key"}
        try:
            import nacl.exceptions
            import nacl.public
            box = nacl.public.SealedBox(nacl.public.PrivateKey(self.state.seal_secret))
            inner = box.decrypt(base64.b64decode(env["sealed"], validate=True))
            rec = json.loads(inner.decode("utf-8"), object_pairs_hook=no_dupes,
                             parse_constant=no_constants)
        except (ValueError, binascii.Error, nacl.exceptions.CryptoError) as e:
            return None, {"error": "unsealable", "detail": type(e).__name__}
        if not isinstance(rec, dict) or rec.get("uuid") != env["uuid"] or \
                rec.get("reference") != env["reference"]:
            return None, {"error": "envelope_mismatch",
                          "detail": "the envelope's uuid and reference must be the record's"}
        return rec, None

    # -- control ------------------------------------------------------------
    def control(self, method, path, query, body):
        st = self.state
        if method == "GET" and path in ("/_control", "/_control/"):
            with st.lock:
                return json_response(200, {
                    "faults": list(st.faults), "api_key": st.api_key,
                    "token_polls": st.token_polls, "jurisdiction_id": st.args.jurisdiction_id,
                    "post_rules_from": st.rules_from, "description_max": st.description_max,
                    "client_certificates": bool(st.args.client_ca),
                    "faults_known": sorted(list(FAULTS) + list(FAULT_ALIASES))})
        if method == "GET" and path == "/_control/requests":
            q = urllib.parse.parse_qs(query)
            rows = st.rows()
            if q.get("uuid"):
                rows = [r for r in rows if r["submission_uuid"] == q["uuid"][0].lower()]
            return json_response(200, [control_view(r) for r in rows])
        if method == "GET" and path == "/_control/bytes-received":
            with st.lock:
                return json_response(200, dict(st.counters))
        if method == "GET" and path == "/_control/log":
            with st.lock:
                return json_response(200, list(st.log))
        if method == "POST" and path in ("/_control", "/_control/faults"):
            try:
                spec = json.loads(body.decode("utf-8") or "null")
                specs = spec["faults"] if isinstance(spec, dict) and "faults" in spec else [spec]
                if not isinstance(specs, list):
                    raise ControlError("faults must be a list")
                queued = st.add_faults(specs)
            except (ValueError, UnicodeDecodeError, KeyError, TypeError) as e:
                return json_response(400, {"error": "bad_control", "detail": str(e)})
            except ControlError as e:
                return json_response(400, {"error": "bad_control", "detail": str(e)})
            return json_response(200, {"faults": queued})
        if method == "POST" and path == "/_control/clear":
            with st.lock:
                st.faults = []
            return json_response(200, {"faults": []})
        if method == "POST" and path == "/_control/reset":
            st.reset()
            return json_response(200, {"reset": True})
        if method == "POST" and path == "/_control/config":
            try:
                cfg = json.loads(body.decode("utf-8"))
                if not isinstance(cfg, dict):
                    raise ValueError("a JSON object")
                with st.lock:
                    for k, v in cfg.items():
                        if k in ("api_key", "webhook_secret") and isinstance(v, str) and v:
                            setattr(st, k, v)
                        elif k == "token_polls" and isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                            st.token_polls = v
                        else:
                            raise ValueError("cannot set %s to %r" % (k, v))
            except (ValueError, UnicodeDecodeError) as e:
                return json_response(400, {"error": "bad_control", "detail": str(e)})
            return json_response(200, {"api_key": st.api_key, "token_polls": st.token_polls})
        return json_response(404, {"error": "not_found", "path": path})


def is_control(path):
    return path == "/_control" or path.startswith("/_control/")


def fmt_of(path):
    return "xml" if path.endswith(".xml") else "json"


def service_type(code):
    for s in SERVICES:
        if s["service_code"] == code:
            return s["type"]
    return None


def request_view(row):
    f = json.loads(row["fields"])
    code = row["service_code"]
    name = next(s["service_name"] for s in SERVICES if s["service_code"] == code)
    expected = None
    if code in EXPECTED_DAYS:
        t = datetime.datetime.fromisoformat(row["received"]) + datetime.timedelta(days=EXPECTED_DAYS[code])
        expected = t.isoformat(timespec="seconds")
    return {
        "service_request_id": row["service_request_id"],
        "status": "open",
        "status_notes": None,
        "service_name": name,
        "service_code": code,
        "description": f.get("description") or None,
        "agency_responsible": AGENCIES[code],
        "service_notice": NOTICES[code],
        "requested_datetime": row["received"],
        "updated_datetime": row["received"],
        "expected_datetime": expected,
        "address": f.get("address_string") or None,
        "address_id": f.get("address_id") or None,
        "zipcode": None,
        "lat": float(f["lat"]) if f.get("lat") else None,
        "long": float(f["long"]) if f.get("long") else None,
        "media_url": f.get("media_url") or None,
    }


def control_view(row):
    return {
        "uuid": row["submission_uuid"],
        "kind": row["kind"],
        "service_code": row["service_code"],
        "id": row["service_request_id"],
        "token": row["token"],
        "token_polls": row["token_polls"],
        "fields": json.loads(row["fields"]),
        "body": row["body"].decode("utf-8", "replace"),
        "body_sha256": row["body_sha256"],
        "content_type": row["content_type"],
        "client_cn": row["client_cn"],
        "attempts": row["attempts"],
        "mismatches": row["mismatches"],
        "received": row["received"],
        "last_received": row["last_received"],
    }


def check_record(rec):
    """Problems with a submission record's shape (see docs/journeys.md)."""
    if not isinstance(rec, dict):
        return ["the record must be a JSON object"]
    p = []

    def text(k):
        v = rec.get(k)
        if not isinstance(v, str) or not v:
            p.append("%s: required, a non-empty string" % k)
            return None
        return v

    for k in ("uuid", "reference", "destination", "created", "language", "channel"):
        text(k)
    if isinstance(rec.get("uuid"), str) and not UUID_RE.fullmatch(rec["uuid"]):
        p.append("uuid: not a UUID")
    if isinstance(rec.get("reference"), str) and rec["reference"] and not reference_ok(rec["reference"]):
        p.append("reference: not a reference XXXX-XXXX-C with a correct check character")
    if isinstance(rec.get("created"), str) and rec["created"] and not is_iso_datetime(rec["created"]):
        p.append("created: not an ISO 8601 date and time with a time zone")
    if isinstance(rec.get("language"), str) and rec["language"] and not LANG_RE.fullmatch(rec["language"]):
        p.append("language: not a language tag")
    if isinstance(rec.get("channel"), str) and rec["channel"] and rec["channel"] not in ("self-service", "assisted"):
        p.append("channel: self-service or assisted")
    j = rec.get("journey")
    if not isinstance(j, dict):
        p.append("journey: required, an object {id, version}")
    else:
        if not isinstance(j.get("id"), str) or not j["id"]:
            p.append("journey.id: required, a non-empty string")
        v = j.get("version")
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            p.append("journey.version: required, a whole number of at least 1")
    a = rec.get("answers")
    if not isinstance(a, list):
        p.append("answers: required, an array")
    else:
        for i, ans in enumerate(a):
            where = "answers[%d]" % i
            if not isinstance(ans, dict):
                p.append("%s: must be an object" % where)
                continue
            for k in ("id", "question"):
                if not isinstance(ans.get(k), str) or not ans[k]:
                    p.append("%s.%s: required, a non-empty string" % (where, k))
            if "value" not in ans:
                p.append("%s.value: required" % where)
            else:
                v = ans["value"]
                ok = (isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
                      or (isinstance(v, dict) and all(isinstance(x, str) for x in v.values())))
                if not ok:
                    p.append("%s.value: a string, a list of strings or an object of strings" % where)
            if "label" in ans and not isinstance(ans["label"], (str, list)):
                p.append("%s.label: must be a string" % where)
    if "staff_id" in rec and not isinstance(rec["staff_id"], str):
        p.append("staff_id: must be a string")
    return p


# ---------------------------------------------------------------------------
# Fleet heartbeats: what a council's monitoring receives from each kiosk
# (docs/fleet.md). A POST signed as the webhook is (X-Hatch-Signature under
# the webhook secret) whose body is a JSON object is answered 200 and kept,
# one JSON line per heartbeat, in STATE/heartbeats.jsonl: when it came, its
# signature, and its body as it came (text) and as read. Anything else is
# refused and not kept: 405 (not POST), 415, 401 bad_signature, 400.

def heartbeat(handler, method, body):
    st = handler.state
    if method != "POST":
        return json_response(405, {"error": "method_not_allowed"}, headers=[("Allow", "POST")])
    ctype = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return json_response(415, {"error": "unsupported_media_type"})
    sig = (handler.headers.get("X-Hatch-Signature") or "").strip()
    want = "sha256=" + hmac.new(st.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sig.lower().encode(), want.encode()):
        return json_response(401, {"error": "bad_signature"})
    try:
        beat = json.loads(body.decode("utf-8"))
        if not isinstance(beat, dict):
            raise ValueError("not an object")
    except (UnicodeDecodeError, ValueError) as e:
        return json_response(400, {"error": "malformed_json", "detail": str(e)})
    entry = {"received": now_iso(), "t": round(time.time(), 3), "signature": sig,
             "body": body.decode("utf-8"), "heartbeat": beat}
    with st.lock:
        with open(os.path.join(st.args.state_dir, "heartbeats.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
    return json_response(200, {"status": "received"})


# ---------------------------------------------------------------------------
# The server.

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, addr, handler, ctx, state):
        self.ctx = ctx
        self.state = state
        super().__init__(addr, handler)

    def server_bind(self):
        # HTTPServer's own looks the host name up (slow where DNS is absent).
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        """Handshakes in the connection's own thread, then serves HTTP."""
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            reason = getattr(e, "reason", None) or str(e)
            self.state.count_tls(str(reason))
            self.state.note("TLS handshake with %s:%d failed: %s" % (client_address[0], client_address[1], e))
            return
        self.state.count_tls()
        try:
            tls.settimeout(IO_TIMEOUT)
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            tls.close()

    def handle_error(self, request, client_address):
        self.state.note("error serving %s:\n%s" % (client_address, traceback.format_exc()))


# ---------------------------------------------------------------------------
# Static files: what a council's web server does for a kiosk fetching its
# journey bundle (docs/bundles.md). GET /static/NAME answers the file NAME
# of --static-dir (a plain name: no '/', not starting with '.') with an
# ETag, the quoted SHA-256 of its bytes, and 304 with no body when the
# request's If-None-Match has that tag. A file replaced between requests
# is a new version. 404 when there is no such file (or no --static-dir),
# 405 for anything but GET. Faults apply as to any other path.

STATIC = "/static/"


def static_file(handler, method, path):
    if method != "GET":
        return json_response(405, {"error": "method_not_allowed"}, headers=[("Allow", "GET")])
    name = urllib.parse.unquote(path[len(STATIC):])
    folder = handler.state.args.static_dir
    if not folder or not name or "/" in name or name.startswith("."):
        return json_response(404, {"error": "not_found", "path": path})
    try:
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
    except OSError:
        return json_response(404, {"error": "not_found", "path": path})
    tag = '"%s"' % hashlib.sha256(data).hexdigest()
    wanted = [t.strip() for t in (handler.headers.get("If-None-Match") or "").split(",")]
    if tag in wanted or "*" in wanted:
        return Response(304, b"", "application/octet-stream", headers=[("ETag", tag)])
    return Response(200, data, "application/octet-stream", headers=[("ETag", tag)])


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Reference council back end (Open311 GeoReport v2 and a JSON webhook) over HTTPS, for tests.")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, required=True, help="port; 0 lets the system pick")
    ap.add_argument("--cert", required=True, help="server certificate (PEM)")
    ap.add_argument("--key", required=True, help="server private key (PEM)")
    ap.add_argument("--db", required=True, help="SQLite file for accepted submissions (kept across runs)")
    ap.add_argument("--state-dir", required=True, help="directory for port, counters.json and backend.log")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA (PEM)")
    ap.add_argument("--api-key", default="hatch-test-key", help="the valid Open311 api_key")
    ap.add_argument("--webhook-secret", default="hatch-test-secret", help="HMAC-SHA256 key for X-Hatch-Signature")
    ap.add_argument("--seal-secret-key", help="file with the hex crypto_box secret key that opens sealed webhook envelopes")
    ap.add_argument("--jurisdiction-id", default="council.example",
                    help="the jurisdiction_id accepted when a client sends one")
    ap.add_argument("--token-polls", type=int, default=1,
                    help="token polls answered without a service_request_id (default 1)")
    ap.add_argument("--spec-dir", help="the open311-georeport-v2 specification folder (swagger.json)")
    ap.add_argument("--max-body", type=int, default=1 << 20, help="largest request body accepted (bytes)")
    ap.add_argument("--static-dir", help="folder whose files GET /static/NAME serves, with ETags")
    args = ap.parse_args(argv)

    os.makedirs(args.state_dir, exist_ok=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    state = State(args)
    if ":" in args.host:
        Server.address_family = socket.AF_INET6
    server = Server((args.host, args.port), Handler, ctx, state)
    port = server.server_address[1]
    with open(os.path.join(args.state_dir, "port"), "w", encoding="utf-8") as f:
        f.write("%d\n" % port)
    state.note("listening on %s:%d (POST rules from %s)" % (args.host, port, state.rules_from))

    def stop(_sig, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening %d" % port, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with state.lock:
            state.db.close()
            state.note("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
