"""The Debian package on this machine: built with cpack from the build
directory, installed with dpkg -i, its unit checked by systemd-analyze
(verify, and security with an overall exposure of 3.0 or lower), its config
checked with `arshjul check /etc/arshjul`, the daemon run the way the unit
runs it (tests/package/debpkg.py) serving a feed and telling the notify
socket READY=1 and WATCHDOG=1, a database newer than the binary refused with
a clear message, and the package purged.

Run as root: /usr/bin/python3 tests/package/package_test.py BUILD_DIR WORKDIR
"""
import grp
import os
import pwd
import re
import shutil
import sqlite3
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import debpkg  # noqa: E402
from debpkg import STATE, UNIT, sh  # noqa: E402
from harness import Checks  # noqa: E402

BUILD, WORK = sys.argv[1], sys.argv[2]
check = Checks()
lock = debpkg.take_machine()
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
run_dir = tempfile.mkdtemp(prefix="arshjul-package-")  # the notify socket: reachable by the unit's user
os.chmod(run_dir, 0o755)

try:
    deb = debpkg.build_deb(BUILD, os.path.join(WORK, "deb"))
    fields = sh("dpkg-deb", "-f", deb, "Package", "Version", "Depends").stdout
    check("Package: arshjul" in fields, f"cpack builds {os.path.basename(deb)}")
    check("libsystemd0" in fields, "its binary links libsystemd (sd_notify) and depends on it")
    contents = sh("dpkg-deb", "-c", deb).stdout
    for path in ("./usr/bin/arshjul", "./lib/systemd/system/arshjul.service", "./usr/lib/sysusers.d/arshjul.conf",
                 "./etc/arshjul/arshjul.toml", "./etc/default/arshjul",
                 "./usr/share/doc/arshjul/examples/roros/arshjul.toml",
                 "./usr/share/doc/arshjul/examples/midt-telemark/arshjul.toml",
                 "./usr/share/doc/arshjul/examples/nginx/arshjul.conf"):
        check(path in contents, f"the package holds {path}")

    r = sh("dpkg", "-i", deb, check=False)
    check(r.returncode == 0, f"dpkg -i installs it ({r.stderr.strip()[-300:]})")
    debpkg.mark_state()
    user = pwd.getpwnam("arshjul")
    check(user.pw_uid < 1000 and user.pw_dir == STATE and user.pw_shell.endswith("nologin"),
          f"postinst made the system user arshjul (uid {user.pw_uid}, home {user.pw_dir}, no login shell)")
    st = os.stat(STATE)
    check(st.st_uid == user.pw_uid and stat.S_IMODE(st.st_mode) == 0o750, "/var/lib/arshjul is the user's, 0750")
    st = os.stat("/etc/arshjul")
    check(st.st_uid == 0 and st.st_gid == grp.getgrnam("arshjul").gr_gid and stat.S_IMODE(st.st_mode) == 0o750,
          "/etc/arshjul is root's, group arshjul, 0750 (the config names employees)")
    conffiles = sh("dpkg-query", "-W", "-f=${Conffiles}", "arshjul").stdout
    check("/etc/arshjul/arshjul.toml" in conffiles and "/etc/arshjul/wheels/ansattdag.toml" in conffiles
          and "/etc/default/arshjul" in conffiles, "every file under /etc is a conffile")

    # ---- the unit -------------------------------------------------------------------------------
    r = sh("systemd-analyze", "verify", UNIT, check=False)
    check(r.returncode == 0 and not r.stderr.strip(), f"systemd-analyze verify: no complaint ({r.stderr.strip()})")
    r = sh("systemd-analyze", "security", "--offline=true", UNIT, check=False)
    m = re.search(r"Overall exposure level for arshjul\.service: (\d+\.\d+) (\w+)", r.stdout)
    check(m is not None and float(m.group(1)) <= 3.0 and m.group(2) == "OK",
          f"systemd-analyze security --offline=true: exposure {m.group(1) if m else '?'} {m.group(2) if m else ''}, "
          "3.0 or lower (OK)")
    s = debpkg.unit_settings()
    check(s["Type"] == ["notify"] and s["StateDirectory"] == ["arshjul"] and s["ConfigurationDirectory"] == ["arshjul"]
          and s["Restart"] == ["on-failure"] and "kill -HUP $MAINPID" in s["ExecReload"][0],
          "the unit: Type=notify, StateDirectory, ConfigurationDirectory, Restart=on-failure, ExecReload sends SIGHUP")
    check(s["ProtectSystem"] == ["strict"] and s["NoNewPrivileges"] == ["yes"] and s["CapabilityBoundingSet"] == [""]
          and s["SystemCallFilter"][0] == "@system-service"
          and s["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"], "and its sandbox")

    # ---- arshjul check /etc/arshjul, as the unit's user -----------------------------------------
    r = sh(*debpkg.as_unit_user(s, ["/usr/bin/arshjul", "check", "/etc/arshjul"]), check=False)
    check(r.returncode == 0 and "/etc/arshjul: ok:" in r.stdout, f"arshjul check /etc/arshjul as arshjul: {r.stdout.strip()}")
    r = sh("/usr/bin/arshjul", "--help", check=False)
    check(r.returncode == 0 and "serve [--config DIR]" in r.stdout and "--log-format" in r.stdout, "arshjul --help")

    # ---- the daemon as the unit runs it ----------------------------------------------------------
    # The admin's way to choose the port: ARSHJUL_OPTS in /etc/default/arshjul (here a free one).
    with open("/etc/default/arshjul", "a", encoding="utf-8") as f:
        f.write('ARSHJUL_OPTS="--listen 127.0.0.1:0"\n')
    unit = debpkg.UnitProcess(run_dir, {"WATCHDOG_USEC": "1000000"})
    check(unit.argv[:6] == ["/usr/bin/arshjul", "serve", "--config", "/etc/arshjul", "--db", "/var/lib/arshjul/arshjul.db"],
          f"ExecStart from the installed unit: {' '.join(unit.argv)}")
    check(unit.ready(), f"the daemon tells the notify socket READY=1 ({unit.notify.received})")
    check(unit.notify.wait_for("WATCHDOG=1", 5) is not None, "and WATCHDOG=1 at half of WATCHDOG_USEC")
    check(open(f"/proc/{unit.proc.pid}/status").read().count("NoNewPrivs:\t1") == 1,
          "it runs with NoNewPrivileges")
    out = sh(*debpkg.as_unit_user(s, ["/usr/bin/arshjul", "subscribe", "--config", "/etc/arshjul", "--db",
                                      "/var/lib/arshjul/arshjul.db", "--all"]), check=False).stdout
    token = re.search(r"/feeds/([A-Za-z0-9_-]+)\.ics", out)
    check(token is not None, "arshjul subscribe as the unit's user beside the running daemon")
    status, body, _ = debpkg.get_feed(unit.url(f"/feeds/{token.group(1)}.ics"))
    check(status == 200 and body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body,
          "the daemon serves the feed")
    db = os.stat("/var/lib/arshjul/arshjul.db")
    check(db.st_uid == user.pw_uid and stat.S_IMODE(db.st_mode) & 0o007 == 0,
          f"the database is the user's and not world-readable (UMask=0027: {oct(stat.S_IMODE(db.st_mode))})")
    code = unit.stop()
    check(code == 0 and unit.notify.wait_for("STOPPING=1", 5) is not None, "SIGTERM: STOPPING=1 and exit 0")

    # ---- a database from a newer arshjul ------------------------------------------------------------
    con = sqlite3.connect("/var/lib/arshjul/arshjul.db")
    con.execute("INSERT INTO schema_migrations (version, applied_utc) VALUES (999, 0)")
    con.commit()
    con.close()
    unit = debpkg.UnitProcess(run_dir)
    code = unit.proc.wait(timeout=30)
    unit.stop()
    said = unit.said()
    check(code == 1 and "schema version 999, newer than this arshjul knows" in said and "Install that newer arshjul" in said,
          f"a database written by a newer arshjul (a downgrade) is refused: exit 1, {said.strip().splitlines()[-1]}")

    r = sh("dpkg", "--purge", "arshjul", check=False)
    check(r.returncode == 0 and not debpkg.installed() and not os.path.exists("/usr/bin/arshjul")
          and not os.path.exists("/etc/arshjul"), "dpkg --purge removes it, /etc/arshjul too")
    check(os.path.exists("/var/lib/arshjul/arshjul.db"), "and keeps the database")
finally:
    debpkg.clean_machine()
    shutil.rmtree(run_dir, ignore_errors=True)
check.done()
