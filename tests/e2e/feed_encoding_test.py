"""End to end: compressed feeds and the feed cache's bound.

A client that accepts gzip gets the feed compressed (Content-Encoding: gzip,
Vary: Accept-Encoding) under an ETag of its own, and the bytes decompress
(Python's gzip, and curl --compressed) to exactly the feed a client without
gzip gets. Each encoding revalidates with its own ETag. With
--feed-cache-mb 1, fetching every person's feed keeps the cache's bytes in
/metrics within that bound and counts the evictions.

Run: /usr/bin/python3 tests/e2e/feed_encoding_test.py BINARY CONFIG_DIR WORKDIR
"""
import gzip
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Checks, Daemon, run_cli, workspace  # noqa: E402

BINARY, CONFIG, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
cfg, db = workspace(check, CONFIG, WORK)


def subscribe(*how):
    r = run_cli(BINARY, "subscribe", "--config", cfg, "--db", db, *how)
    return re.search(r"^token:\s+(\S+)", r.stdout, re.M).group(1)


everyone = subscribe("--all")
people = re.findall(r'^id = "([a-z0-9-]+)"', open(os.path.join(cfg, "people.toml"), encoding="utf-8").read(), re.M)
personal = [subscribe("--person", p) for p in people]

daemon = Daemon(check, BINARY, "--config", cfg, "--db", db, "--feed-cache-mb", "1")
check(daemon.start() is not None, "the daemon starts with a feed cache of 1 MB")
path = f"/feeds/{everyone}.ics"

status, plain_h, plain = daemon.request("GET", path)
check(status == 200 and "content-encoding" not in plain_h, "without Accept-Encoding the feed is sent as it is")
check(plain_h.get("vary") == "Accept-Encoding", "and says it varies by Accept-Encoding")
status, gz_h, gz = daemon.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
check(status == 200 and gz_h.get("content-encoding") == "gzip", "a client that accepts gzip gets it")
check(gz_h.get("vary") == "Accept-Encoding", "with Vary: Accept-Encoding")
check(gzip.decompress(gz) == plain, "the gzip decompresses to exactly the plain feed")
check(len(gz) * 4 < len(plain), f"and is much smaller ({len(gz)} of {len(plain)} bytes)")
check(gz_h["etag"] != plain_h["etag"] and gz_h["etag"].strip('"').endswith("-gz"),
      f"each encoding has its own ETag ({plain_h['etag']}, {gz_h['etag']})")
status, _, _ = daemon.request("GET", path, headers={"Accept-Encoding": "gzip", "If-None-Match": gz_h["etag"]})
check(status == 304, f"the gzip ETag revalidates the gzip feed (got {status})")
status, _, _ = daemon.request("GET", path, headers={"If-None-Match": gz_h["etag"]})
check(status == 200, f"but not the plain one (got {status})")
status, h, _ = daemon.request("GET", path, headers={"Accept-Encoding": "gzip;q=0"})
check(status == 200 and "content-encoding" not in h, "gzip;q=0 gets the plain feed")
curl = subprocess.run(["curl", "-sf", "--compressed", daemon.url(path)], capture_output=True, timeout=30)
check(curl.returncode == 0 and curl.stdout == plain, "curl --compressed gets the same feed")

for token in personal:
    for enc in ("", "gzip"):
        status, _, _ = daemon.request("GET", f"/feeds/{token}.ics", headers={"Accept-Encoding": enc} if enc else {})
        if status != 200:
            check(False, f"a personal feed answers 200 (got {status})")
metrics = daemon.request("GET", "/metrics")[2].decode()


def metric(name):
    m = re.search(rf"^{name} (\d+)", metrics, re.M)
    return int(m.group(1)) if m else None


check(metric("arshjul_feed_cache_limit_bytes") == 1 << 20, "/metrics gives the cache's bound")
check(metric("arshjul_feed_cache_bytes") is not None and 0 < metric("arshjul_feed_cache_bytes") <= 1 << 20,
      f"the cache's bytes stay within it ({metric('arshjul_feed_cache_bytes')})")
check((metric("arshjul_feed_cache_evictions_total") or 0) > 0,
      f"fetching {len(personal) + 1} feeds in both encodings evicted some ({metric('arshjul_feed_cache_evictions_total')})")
check(daemon.stop() == 0, "SIGTERM stops the daemon cleanly")
check.done()
