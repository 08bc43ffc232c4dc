"""The benchmarks' HR writer: GET one person, then PUT them back with a new
name, one request at a time, until SECONDS have passed or MAX_PUTS were
sent; with EVERY, one PUT starts every EVERY seconds (a change stream; a
PUT slower than that delays the next). Reads the person back at the end (a
name that is not the last PUT's counts as a failure). Prints
"ok failed p50_ms p99_ms max_ms" and the first failures on stderr.

  put_loop.py PORT HR_TOKEN PERSON_ID SECONDS MAX_PUTS [EVERY]
"""
import http.client, json, statistics, sys, time, urllib.parse
port, token, pid, seconds, max_puts = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
every = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
path = "/api/v1/people/" + urllib.parse.quote(pid, safe="")
auth = {"Authorization": "Bearer " + token}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
conn.request("GET", path, headers=auth)
r = conn.getresponse()
body = r.read()
if r.status != 200:
    sys.exit(f"GET {path}: {r.status} {body[:300]!r}")
person = json.loads(body)
keep = ("name", "email", "unit", "roles", "union", "committees", "start_date", "leader_start_date", "manager")
person = {k: person[k] for k in keep if k in person}
name = person["name"]
ok, failed, lat, errors = 0, 0, [], []
deadline = time.monotonic() + seconds
i = 0
while time.monotonic() < deadline and i < max_puts:
    i += 1
    person["name"] = f"{name} {i}"
    data = json.dumps(person).encode()
    t0 = time.monotonic()
    try:
        conn.request("PUT", path, body=data, headers={**auth, "Content-Type": "application/json"})
        r = conn.getresponse()
        answer = r.read()
        status = r.status
    except Exception as e:  # a refused, reset or timed-out request: count it, reconnect
        status, answer = None, repr(e).encode()
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    lat.append((time.monotonic() - t0) * 1000)
    if every:
        time.sleep(max(0.0, t0 + every - time.monotonic()))
    if status == 200:
        ok += 1
    else:
        failed += 1
        if len(errors) < 5:
            errors.append(f"PUT #{i}: {status} {answer[:300].decode(errors='replace')}")
# The last PUT must have been stored: the person reads back with its name.
if ok:
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=auth)
    r = conn.getresponse()
    got = json.loads(r.read()).get("name") if r.status == 200 else None
    if got != person["name"]:
        failed += 1
        errors.append(f"GET after the last PUT: name {got!r}, not {person['name']!r}")
for e in errors:
    print(e, file=sys.stderr)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0
print(ok, failed, f"{statistics.median(lat) if lat else 0:.1f}", f"{q(0.99):.1f}", f"{lat[-1] if lat else 0:.1f}")
