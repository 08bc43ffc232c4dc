"""End to end: docs/api.yaml is the HR API as `arshjul serve` answers it.

Run: /usr/bin/python3 tests/e2e/api_doc_test.py BINARY SOURCE_DIR WORKDIR [API_YAML]
(API_YAML defaults to SOURCE_DIR/docs/api.yaml; give another to check a copy.)

1. The route table in server/api.cpp's route() and the paths in the
   document name the same method + path pairs.
2. Against the daemon (Røros, a fresh database, the clock at
   2027-01-10T08:00+01:00): every documented operation, sent a valid request
   built from the document's examples, answers a documented status, and
   every answer has a documented content type and validates against the
   documented schema; documented query parameter values are accepted and
   bad ones are a 400 naming the parameter; bodies with unknown or missing
   members are a 422 naming the member; no token is a 401 with
   WWW-Authenticate, a read token a 403 on anything but GET, and a method a
   path does not document a 405.
Each check prints a line; the first failure exits non-zero with what was expected.
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon  # noqa: E402
import yaml  # noqa: E402  (Debian: python3-yaml)

BINARY, SOURCE, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
DOC_PATH = sys.argv[4] if len(sys.argv) > 4 else os.path.join(SOURCE, "docs", "api.yaml")
CLOCK = "2027-01-10T08:00:00+01:00"
METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
check = Checks()

doc = yaml.safe_load(open(DOC_PATH, encoding="utf-8"))
check(str(doc.get("openapi", "")).startswith("3.1"), f"{DOC_PATH} is OpenAPI 3.1")


def deref(node):
    """Follows local $refs ("#/components/...") until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or seen > 20:
            check(False, f"$ref {ref} is local and not circular")
        target = doc
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                check(False, f"$ref {ref} resolves")
            target = target[part]
        node, seen = target, seen + 1
    return node


# ---- 1. the route table in the source and the document agree -----------------------------

def template_key(path):
    return re.sub(r"\{[^}/]+\}", "*", path)


source = open(os.path.join(SOURCE, "server", "api.cpp"), encoding="utf-8").read()
start = source.find("ApiResponse route()")
check(start >= 0, "server/api.cpp has route()")
route_fn = source[start:source.find("\n  }\n", start)]
in_code = set()
for m in re.finditer(r'if \(is\("([A-Z]+)",\s*\{([^}]*)\}\)\)', route_fn):
    segments = re.findall(r'"([^"]*)"', m.group(2))
    in_code.add((m.group(1), "/api/v1" + "".join("/" + s for s in segments)))
check(len(in_code) >= 10, f"route() in server/api.cpp names {len(in_code)} routes")
in_doc = {(method.upper(), template_key(path))
          for path, item in doc["paths"].items() for method in item if method in METHODS}
missing = sorted(in_code - in_doc)
extra = sorted(in_doc - in_code)
check(not missing, "every route in server/api.cpp is in the document"
      + (f"; missing: {', '.join(m + ' ' + p for m, p in missing)}" if missing else ""))
check(not extra, "every operation in the document is a route in server/api.cpp"
      + (f"; not in route(): {', '.join(m + ' ' + p for m, p in extra)}" if extra else ""))

ops = {}  # (METHOD, template) -> operation
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method in METHODS:
            op = dict(op)
            op["parameters"] = [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]
            ops[(method.upper(), path)] = op
            check(op.get("responses"), f"{method.upper()} {path} documents its responses")
            check("500" in op["responses"] and "401" in op["responses"],
                  f"{method.upper()} {path} documents 401 and 500")
check("bearerAuth" in doc["components"]["securitySchemes"] and doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer",
      "the document names the bearer security scheme")
check({"Problem", "ProblemItem"} <= set(doc["components"]["schemas"]), "the document has the Problem schema")
check("MethodNotAllowed" in doc["components"]["responses"], "the document describes the 405 answer")


# ---- a small JSON Schema checker for what the document uses ---------------------------------

TYPES = {"null": lambda v: v is None, "boolean": lambda v: isinstance(v, bool),
         "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
         "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
         "string": lambda v: isinstance(v, str), "array": lambda v: isinstance(v, list),
         "object": lambda v: isinstance(v, dict)}


def validate(schema, value, where="$"):
    """Every way `value` breaks `schema`, as "where: what"."""
    schema = deref(schema)
    errors = []
    for sub in schema.get("allOf", []):
        errors += validate(sub, value, where)
    if "oneOf" in schema:
        fits = [i for i, sub in enumerate(schema["oneOf"]) if not validate(sub, value, where)]
        if len(fits) != 1:
            detail = "" if fits else ": " + "; ".join(
                "/".join(validate(sub, value, where)[:2]) for sub in schema["oneOf"])
            errors.append(f"{where}: matches {len(fits)} of oneOf{detail}")
    if "anyOf" in schema and all(validate(sub, value, where) for sub in schema["anyOf"]):
        errors.append(f"{where}: matches none of anyOf")
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in allowed):
            return errors + [f"{where}: expected {'|'.join(allowed)}, got {json.dumps(value, ensure_ascii=False)[:80]}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date" and not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            errors.append(f"{where}: {value!r} is not a date")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{where}: shorter than {schema['minLength']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: required member {name!r} is missing")
        props = schema.get("properties", {})
        for name, v in value.items():
            if name in props:
                errors += validate(props[name], v, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: member {name!r} is not documented")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errors += validate(schema["items"], v, f"{where}[{i}]")
    return errors


# ---- the daemon ------------------------------------------------------------------------------

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
db = os.path.join(WORK, "arshjul.db")
config = os.path.join(SOURCE, "config", "roros")
check.log_path = os.path.join(WORK, "daemon.log")


def new_token(role):
    r = subprocess.run([BINARY, "token", "create", "--role", role, "--db", db], capture_output=True, text=True, timeout=60)
    ok = r.returncode == 0 and re.fullmatch(r"\S+\n", r.stdout) is not None
    check(ok, f"arshjul token create --role {role} prints a token" + ("" if ok else f": {r.stderr.strip()}"))
    return r.stdout.strip()


HR, READ = new_token("hr"), new_token("read")
SPARE = new_token("read")  # id 3: the one DELETE /api/v1/tokens/{id} revokes
# A hook on a port that is bound but not listening: connections are refused, so
# the outbox holds real messages (pending, retried) for /api/v1/outbox to show.
refuser = socket.socket()
refuser.bind(("127.0.0.1", 0))
hook = f"http://127.0.0.1:{refuser.getsockname()[1]}/arshjul"
daemon = Daemon(check, BINARY, "--config", config, "--db", db, "--clock", CLOCK,
                "--hook", hook, "--hook-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
port = daemon.start()
check(port is not None, f"arshjul serve --clock {CLOCK} starts and says where it listens")


class Answer:
    def __init__(self, resp, raw):
        self.status = resp.status
        self.headers = {k.lower(): v for k, v in resp.getheaders()}
        self.raw = raw
        self.type = self.headers.get("content-type", "").split(";")[0].strip()
        self.json = None
        if self.type.endswith("json") and raw:
            try:
                self.json = json.loads(raw)
            except ValueError:
                self.json = "<not JSON>"

    def __str__(self):
        return f"{self.status} {self.raw[:600].decode('utf-8', 'replace').strip()}"


def got(ok, answer):
    return "" if ok else f"; got {answer}"


def send(method, target, token=HR, body=None, content_type=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        headers["Content-Type"] = content_type or "application/json"
    conn.request(method, target, body=data, headers=headers)
    resp = conn.getresponse()
    answer = Answer(resp, resp.read())
    conn.close()
    return answer


def fill(path, values):
    return re.sub(r"\{([^}/]+)\}", lambda m: urllib.parse.quote(str(values[m.group(1)]), safe="@"), path)


def target(path, values=None, query=None):
    t = fill(path, values or {})
    if query:
        t += "?" + "&".join(k if v is None else f"{k}={urllib.parse.quote(str(v), safe='')}" for k, v in query)
    return t


def expect(key, answer, what, want=None):
    """`answer` has a status documented for operation `key` (and in `want`, if
    given), a documented content type, and a body valid for the documented schema."""
    method, path = key
    responses = ops[key]["responses"]
    documented = sorted(responses)
    ok = str(answer.status) in responses and (want is None or answer.status in want)
    check(ok, f"{method} {path} {what}: {answer.status}"
          + ("" if ok else f", expected {sorted(want) if want else 'one of'} (documented {', '.join(documented)}); got {answer}"))
    response = deref(responses[str(answer.status)])
    content = response.get("content")
    if not content:
        check(answer.raw == b"", f"{method} {path} {what}: {answer.status} has no body, as documented")
        return answer
    check(answer.type in content, f"{method} {path} {what}: Content-Type {answer.type or '(none)'} is documented for {answer.status} ({', '.join(content)})")
    schema = content[answer.type].get("schema")
    if schema is not None and answer.type.endswith("json"):
        errors = validate(schema, answer.json)
        check(not errors, f"{method} {path} {what}: the {answer.status} body has the documented shape"
              + ("" if not errors else ": " + "; ".join(errors[:5])))
    for name in response.get("headers", {}):
        check(name.lower() in answer.headers, f"{method} {path} {what}: {answer.status} has the documented header {name}")
    return answer


def example_of(media):
    if "example" in media:
        return media["example"]
    examples = media.get("examples") or {}
    return next(iter(examples.values()))["value"] if examples else None


def request_example(op):
    """(content type, body) from the documented request example, or (None, None)."""
    rb = deref(op.get("requestBody")) if op.get("requestBody") else None
    if not rb:
        return None, None
    content_type, media = next(iter(rb["content"].items()))
    body = example_of(media)
    if body is None:
        check(False, f"the request body of {op['operationId']} has an example")
    return content_type, body


def problem_items(answer):
    return answer.json.get("errors", []) if isinstance(answer.json, dict) else []


# ---- real ids for the path parameters -----------------------------------------------------------

def listing(path, member, key):
    a = send("GET", path)
    check(a.status == 200, f"GET {path} to find ids: 200" + got(a.status == 200, a))
    return [str(x[key]) for x in a.json[member]]


people = listing("/api/v1/people", "people", "id")
occurrence_list = send("GET", "/api/v1/occurrences").json["occurrences"]
meetings = [o["uid"] for o in occurrence_list if o.get("kind") == "meeting" and o["start"] > CLOCK[:10]]
occurrences = [o["uid"] for o in occurrence_list]
tasks = listing("/api/v1/tasks", "tasks", "id")
outbox_status = {str(m["id"]): m["status"] for m in send("GET", "/api/v1/outbox?limit=10000").json["messages"]}
outbox = sorted(outbox_status, key=int)
check(people and meetings and tasks and outbox,
      f"Røros has people ({len(people)}), meetings ({len(meetings)}), tasks ({len(tasks)}) and messages in the outbox ({len(outbox)})")
token_ids = listing("/api/v1/tokens", "tokens", "id")
check(token_ids == ["1", "2", "3"], f"GET /api/v1/tokens lists the three tokens made ({token_ids})")
check(send("POST", "/api/v1/subscriptions", body={"filter": "unit:skole"}).status == 201, "a feed to list and revoke")
subscriptions = listing("/api/v1/subscriptions", "subscriptions", "id")
POOLS = {"people": (people, people, True), "occurrences": (occurrences, meetings, True),
         "tasks": (tasks, tasks, False), "outbox": (outbox, outbox, False),
         "tokens": (token_ids, token_ids[2:], True), "subscriptions": (subscriptions, subscriptions[-1:], False),
         "scheduled": (["2027-06-01"], ["2027-06-01"], False)}  # a day: any date is one


def path_values(path, op):
    """Values for the path parameters: the documented example when it is a real
    id, else a real one; and the statuses a valid request may get (only 404
    when there is nothing to point at, e.g. an empty outbox)."""
    values, missing = {}, False
    for p in op["parameters"]:
        if p["in"] != "path":
            continue
        collection = path.split("/{" + p["name"] + "}")[0].rsplit("/", 1)[1]
        existing, preferred, example_must_exist = POOLS[collection]
        example = str(p.get("example", ""))
        if example_must_exist:
            check(example in existing, f"the example {p['name']} {example!r} of {collection} is a real one in Røros")
        if example in existing:
            values[p["name"]] = example
        elif preferred:
            values[p["name"]] = preferred[0]
        else:
            values[p["name"]], missing = example or "1", True
    return values, missing


def success_codes(op):
    return {int(s) for s in op["responses"] if s.startswith("2")}


def query_default(op):
    return [(p["name"], p["example"]) for p in op["parameters"] if p["in"] == "query" and p.get("required")]


def documented_methods(concrete):
    """Methods documented for any path template that `concrete` matches."""
    out = set()
    for path, item in doc["paths"].items():
        if re.fullmatch(re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(path)), concrete):
            out |= {m.upper() for m in item if m in METHODS}
    return out


values_for = {key: path_values(key[1], op) for key, op in ops.items()}

# ---- 2a. tokens: none is a 401, a read token may only GET ------------------------------------------

for key, op in ops.items():
    method, path = key
    values, _ = values_for[key]
    a = expect(key, send(method, target(path, values, query_default(op)), token=None), "without a token", {401})
    check(a.headers.get("www-authenticate", "").startswith("Bearer"), f"{method} {path} without a token: WWW-Authenticate: {a.headers.get('www-authenticate')}")
    a = expect(key, send(method, target(path, values, query_default(op)), token="not-a-token"), "with an unknown token", {401})
    if method != "GET":
        content_type, body = request_example(op)
        expect(key, send(method, target(path, values, query_default(op)), token=READ, body=body, content_type=content_type),
               "with a read token", {403})
    elif "403" in op["responses"]:  # a GET only hr may make (the token list)
        expect(key, send(method, target(path, values, query_default(op)), token=READ), "with a read token", {403})
    else:
        expect(key, send(method, target(path, values, query_default(op)), token=READ), "with a read token", success_codes(op))
a = send("HEAD", "/api/v1/tasks", token=READ)
ok = a.status == 200 and a.raw == b"" and a.type == "application/json"
check(ok, "HEAD answers as GET without a body, also for a read token" + got(ok, a))

# ---- 2b. a method a path does not document is a 405 ---------------------------------------------

for path in doc["paths"]:
    key = next(k for k in ops if k[1] == path)
    values, _ = values_for[key]
    concrete = fill(path, values)
    for method in ["GET", "PUT", "POST", "DELETE", "PATCH"]:
        if method in documented_methods(concrete):
            continue
        a = send(method, concrete, body={} if method in ("PUT", "POST", "PATCH") else None)
        ok = a.status == 405 and a.type == "application/problem+json"
        check(ok, f"{method} {concrete} (not documented): 405" + got(ok, a))
        errors = validate(doc["components"]["responses"]["MethodNotAllowed"]["content"]["application/problem+json"]["schema"], a.json)
        check(not errors, f"{method} {concrete}: the 405 is a Problem" + ("" if not errors else f": {errors[:3]}"))
a = send("GET", "/api/v1/no-such-thing")
ok = a.status == 404 and a.type == "application/problem+json"
check(ok, "GET /api/v1/no-such-thing: 404 problem" + got(ok, a))

# ---- 2c. query parameters: the documented values are accepted, others are a 400 -----------------

BAD_VALUES = {"integer": "-1", "date": "10.01.2027", "enum": "no-such-value"}
for key, op in ops.items():
    method, path = key
    query = [p for p in op["parameters"] if p["in"] == "query"]
    if method != "GET" or not query:
        continue
    values, _ = values_for[key]
    wanted = success_codes(op)
    base = query_default(op)
    for p in query:
        schema = deref(p["schema"])
        tries = list(schema["enum"]) if "enum" in schema else [p.get("example")]
        check(tries[0] is not None, f"{method} {path}: query parameter {p['name']} has an example or allowed values")
        for v in tries:
            expect(key, send(method, target(path, values, [q for q in base if q[0] != p["name"]] + [(p["name"], v)])),
                   f"?{p['name']}={v}", wanted)
        bad = BAD_VALUES["enum"] if "enum" in schema else BAD_VALUES["integer"] if schema.get("type") == "integer" \
            else BAD_VALUES["date"] if schema.get("format") == "date" else None
        if bad is not None:
            a = expect(key, send(method, target(path, values, [q for q in base if q[0] != p["name"]] + [(p["name"], bad)])),
                       f"?{p['name']}={bad}", {400})
            check([e.get("parameter") for e in problem_items(a)] == [p["name"]], f"{method} {path}?{p['name']}={bad}: the problem names the parameter")
        if "maximum" in schema:
            over = schema["maximum"] + 1
            expect(key, send(method, target(path, values, [q for q in base if q[0] != p["name"]] + [(p["name"], over)])),
                   f"?{p['name']}={over} (above the documented maximum)", {400})
        if p.get("required"):
            a = expect(key, send(method, target(path, values, [q for q in base if q[0] != p["name"]])), f"without the required {p['name']}", {400})
    a = expect(key, send(method, target(path, values, base + [("nonsense", "1")])), "?nonsense=1", {400})
    check([e.get("parameter") for e in problem_items(a)] == ["nonsense"], f"{method} {path}?nonsense=1: the problem names the parameter")

# ---- 2d. request bodies: unknown and missing members, bad JSON, wrong media type -------------------

for key, op in ops.items():
    method, path = key
    content_type, body = request_example(op)
    if content_type != "application/json":
        continue
    values, missing = values_for[key]
    if missing:
        continue
    schema = deref(deref(op["requestBody"])["content"][content_type]["schema"])
    t = target(path, values, query_default(op))
    if schema.get("additionalProperties") is False:
        a = expect(key, send(method, t, body=dict(body, unexpected_member=1)), "with an undocumented member", {422})
        check("/unexpected_member" in [e.get("pointer") for e in problem_items(a)], f"{method} {path}: the 422 points at /unexpected_member")
    for name in schema.get("required", []):
        a = expect(key, send(method, t, body={k: v for k, v in body.items() if k != name}), f"without the required member {name}", {422})
        check("/" + name in [e.get("pointer") for e in problem_items(a)], f"{method} {path}: the 422 points at /{name}")
    a = expect(key, send(method, t, body='{"reason": "Kollisjon', content_type="application/json"), "with malformed JSON", {400})
    a = expect(key, send(method, t, body=json.dumps(body), content_type="text/plain"), "with Content-Type text/plain", {415})
    a = expect(key, send(method, t, body="[]"), "with a JSON array", {422})

# The import: dry runs change nothing, a bad CSV is a 422 by line, the media type is checked.
imp = ("POST", "/api/v1/people/import")
csv_type, csv = request_example(ops[imp])
new_ids = [line.split(",")[0] for line in csv.strip().split("\n")[1:] if line.split(",")[0] not in people]
check(new_ids, f"the import example adds someone new ({new_ids})")
a = expect(imp, send("POST", "/api/v1/people/import?dry_run=true", body=csv, content_type=csv_type), "?dry_run=true", {200})
check(a.json["dry_run"] is True and set(new_ids) <= set(a.json["added"]), "a dry run says who would be added")
check(send("GET", "/api/v1/people/" + new_ids[0]).status == 404, "and stores nothing")
a = expect(imp, send("POST", "/api/v1/people/import?dry_run&replace=1", body=csv, content_type=csv_type), "?dry_run&replace=1", {200})
check(a.json["dry_run"] is True and len(a.json["removed"]) == len(people) - (csv.count("\n") - 1 - len(new_ids)),
      f"a dry run with replace says everyone else would be removed ({len(a.json['removed'])})")
a = expect(imp, send("POST", "/api/v1/people/import?dry_run=maybe", body=csv, content_type=csv_type), "?dry_run=maybe", {400})
check([e.get("parameter") for e in problem_items(a)] == ["dry_run"], "the problem names dry_run")
bad_csv = csv.replace(",sykehjem,", ",sjukehjem,", 1) + "Ola Nordmann,,stab,employee\n"
a = expect(imp, send("POST", "/api/v1/people/import", body=bad_csv, content_type=csv_type), "with bad rows", {422})
lines = sorted({e.get("line") for e in problem_items(a)})
check(lines == [2, len(csv.strip().split("\n")) + 1] and all({"line", "column", "field", "detail"} <= set(e) for e in problem_items(a)),
      f"the 422 names each bad line with column and field ({lines})")
check(send("GET", "/api/v1/people/" + new_ids[0]).status == 404, "a CSV with a bad row imports nobody, not even the good rows")
expect(imp, send("POST", "/api/v1/people/import", body=csv, content_type="application/json"), "with Content-Type application/json", {415})

# ---- 2e. every operation, with a valid request from the examples ------------------------------------

ORDER = {"GET": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}
results = {}
# A DELETE of a part of a resource (a person's dated change) before that of the resource.
for key in sorted(ops, key=lambda k: (ORDER.get(k[0], 9), -k[1].count("/") if k[0] == "DELETE" else 0)):
    method, path = key
    op = ops[key]
    values, missing = values_for[key]
    content_type, body = request_example(op)
    want = {404} if missing else success_codes(op)
    if path == "/api/v1/outbox/{id}/retry" and not missing:
        want = {200} if outbox_status[values["id"]] in ("dead", "dropped") else {409}
    what = "with the documented example" + (f" ({', '.join(f'{k}={v}' for k, v in values.items())})" if values else "")
    results[key] = expect(key, send(method, target(path, values, query_default(op)), body=body, content_type=content_type), what, want)

# ---- 2f. what the descriptions promise --------------------------------------------------------------

check(results[("GET", "/api/v1")].json["role"] == "hr" and send("GET", "/api/v1", token=READ).json["role"] == "read",
      "GET /api/v1 names the token's role")
pid = values_for[("GET", "/api/v1/people/{id}")][0]["id"]
a = expect(("GET", "/api/v1/people/{id}"), send("GET", "/api/v1/people/" + pid), "after the DELETE", {404})
expect(("DELETE", "/api/v1/people/{id}"), send("DELETE", "/api/v1/people/" + pid), "a second time (a retry succeeds)", {204})

put = ("PUT", "/api/v1/people/{id}")
created = deref(ops[put]["responses"]["201"])["content"]["application/json"]["example"]
person_input = deref(deref(ops[put]["requestBody"])["content"]["application/json"]["schema"])["properties"]
body = {k: v for k, v in created.items() if k in person_input and k != "id"}
new_id = "kari-nordgard"
a = expect(put, send("PUT", "/api/v1/people/" + new_id, body=dict(body, id=new_id)), "for someone new (the 201 example as input)", {201})
check(a.json["id"] == new_id, "PUT answers with the person stored")
expect(put, send("PUT", "/api/v1/people/" + new_id, body=body), "for the same person again", {200})
a = expect(put, send("PUT", "/api/v1/people/" + new_id, body=dict(body, id="someone-else")), "with another id in the body", {422})
check([e.get("pointer") for e in problem_items(a)] == ["/id"], "the 422 points at /id")

extra = results[("POST", "/api/v1/occurrences")].json
check(extra["uid"].startswith("extra-") and extra.get("extra") is True and extra.get("reason"),
      f"an extra occurrence gets its own UID ({extra['uid']}), extra: true and the reason")
occ = ("GET", "/api/v1/occurrences/{uid}")
a = expect(occ, send("GET", "/api/v1/occurrences/" + extra["uid"].replace("@", "%40")), "for the extra (with @ as %40)", {200})
check(a.json["uid"] == extra["uid"] and "participants" in a.json, "the extra is in the wheel, with its participants")

uid = values_for[("POST", "/api/v1/occurrences/{uid}/cancel")][0]["uid"]
moved = results[("POST", "/api/v1/occurrences/{uid}/move")].json
check(moved["uid"] == uid and moved["sequence"] >= 1 and moved.get("reason"), "a move keeps the UID, raises the sequence and carries the reason")
cancelled = results[("POST", "/api/v1/occurrences/{uid}/cancel")].json
check(cancelled["status"] == "cancelled" and cancelled["sequence"] > moved["sequence"], "a cancel answers status cancelled with a higher sequence")
k = ("POST", "/api/v1/occurrences/{uid}/cancel")
a = expect(k, send("POST", fill(k[1], {"uid": uid}), body=request_example(ops[k])[1]), "again on the cancelled occurrence (a retry)", {200})
check(a.json["sequence"] == cancelled["sequence"] and a.json["reason"] == cancelled["reason"],
      "a second cancel answers as the first did and changes nothing")
k = ("POST", "/api/v1/occurrences/{uid}/move")
expect(k, send("POST", fill(k[1], {"uid": uid}), body=request_example(ops[k])[1]), "on the cancelled occurrence", {409})
expect(occ, send("GET", fill("/api/v1/occurrences/{uid}", {"uid": uid})), "for the cancelled occurrence", {200})
a = expect(("GET", "/api/v1/occurrences"), send("GET", "/api/v1/occurrences?include_cancelled=true"), "?include_cancelled=true after the cancel", {200})
check(uid in [o["uid"] for o in a.json["occurrences"] if o["status"] == "cancelled"], "include_cancelled lists the cancelled occurrence")
expect(occ, send("GET", "/api/v1/occurrences/no-such.20270101@roros.arshjul"), "for no such occurrence", {404})

done = results[("POST", "/api/v1/tasks/{id}/complete")].json
check(done["status"] == "done", "a completed task is done")
ck = ("POST", "/api/v1/tasks/{id}/complete")
expect(ck, send("POST", f"/api/v1/tasks/{done['id']}/complete"), "again, without a body", {200})
expect(ck, send("POST", "/api/v1/tasks/99999999/complete"), "for no such task", {404})
expect(ck, send("POST", "/api/v1/tasks/seks/complete"), "with an id that is not a number", {404})
a = expect(("GET", "/api/v1/tasks"), send("GET", "/api/v1/tasks?status=done"), "?status=done after completing one", {200})
check(done["id"] in [t["id"] for t in a.json["tasks"]], "the completed task is listed as done")
expect(("POST", "/api/v1/outbox/{id}/retry"), send("POST", "/api/v1/outbox/99999999/retry"), "for no such message", {404})

revoked = results[("DELETE", "/api/v1/tokens/{id}")].json
check(revoked["id"] == 3 and revoked["revoked"] is not None, "DELETE /api/v1/tokens/3 answers the token with when it was revoked")
a = send("GET", "/api/v1/people", token=SPARE)
check(a.status == 401, "the revoked token is refused at once: 401" + got(a.status == 401, a))
rv = ("DELETE", "/api/v1/tokens/{id}")
expect(rv, send("DELETE", "/api/v1/tokens/3"), "a second time", {409})
expect(rv, send("DELETE", "/api/v1/tokens/99"), "for no such token", {404})
a = expect(("GET", "/api/v1/tokens"), send("GET", "/api/v1/tokens"), "after the revocation", {200})
check([t["revoked"] is not None for t in a.json["tokens"]] == [False, False, True], "the list shows which token is revoked")
check(all(t not in a.raw.decode() for t in (HR, READ, SPARE)), "the list never shows a token")

# ---- the end ------------------------------------------------------------------------------------------

code = daemon.stop(timeout=10)
check(code == 0, "SIGTERM stops the daemon cleanly")
check(HR not in open(check.log_path, encoding="utf-8").read(), "the API token never appears in the log")
check.done()
