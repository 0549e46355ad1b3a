#!/usr/bin/env python3
"""The CLI's face: --help everywhere, distinct exit statuses for usage errors and
unreachable nodes, config errors that name file:line, run -n, help CMD, man pages
and completion words from the --help tables, "did you mean" for a mistyped command."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (EXIT_UNREACH, EXIT_USAGE, check, main, run_cli)  # noqa: E402

SUBCOMMANDS = [["ca"], ["ca", "init"], ["ca", "issue"], ["ca", "revoke"], ["ca", "crl"],
               ["ca", "list"], ["init"],
               ["enroll"], ["run"], ["status"], ["demo"],
               ["directive"], ["directive", "issue"], ["directive", "list"],
               ["directive", "show"], ["cert", "show"]]

# Every flag a subcommand takes, which its --help must document: a table-built
# usage drops nothing silently.
FLAGS = {
    ("ca", "init"): ["-d", "--dir", "--scope", "--name", "-r", "--root", "-q",
                     "--request", "--install", "--days", "--passphrase-file"],
    ("ca", "issue"): ["--ca", "--csr", "-e", "--endpoint", "-p",
                      "--parent-endpoint", "--parent-cert", "--days", "--valid-from", "--valid-until", "--tz",
                      "-o", "--out", "-f", "--force", "--passphrase-file"],
    ("ca", "revoke"): ["--ca", "--serial", "-i", "--id", "--reason",
                       "--passphrase-file"],
    ("ca", "crl"): ["--ca", "--passphrase-file"],
    ("ca", "list"): ["--ca", "-j", "--json"],
    ("init",): ["-d", "--dir", "-i", "--id", "--name", "-I", "--inspector",
                "--scope"],
    ("enroll",): ["-d", "--dir", "-l", "--listen", "--data-dir", "-p", "--parent-endpoint",
                  "--root-sha256", "--root", "-f", "--force"],
    ("demo",): ["-d", "--dir", "--townships", "--villages", "--duration",
                "--no-scenario", "--setup-only", "--base-port", "--province", "--counties"],
    ("directive", "issue"): ["-c", "--config", "--kind", "--to", "--title", "--body",
                             "--body-file", "--due", "--indicator", "--ref", "--remind",
                             "--json", "--help"],
    ("directive", "list"): ["-c", "--config", "--state", "--json"],
    ("directive", "show"): ["-c", "--config", "--json"],
}


def commands(cn, prefix=()):
    """Every command, walked from carenet --help: a group's --help lists its
    commands under "commands:"; a leaf's is built from its args table."""
    r = run_cli([cn] + list(prefix) + ["--help"])
    check(r.returncode == 0, "carenet %s --help: exit %d" % (" ".join(prefix), r.returncode))
    if "\ncommands:\n" not in r.stdout:
        return [(tuple(prefix), r.stdout)]
    out = []
    for line in r.stdout.split("\ncommands:\n", 1)[1].splitlines():
        m = re.match(r"^  ([a-z][a-z-]*)\s", line)
        if not m:
            break
        out += commands(cn, prefix + (m.group(1),))
    return out


def test_short_flags(cn):
    """A short flag means one thing in every command (-c is --config), and
    every command's --help ends with the one exit-status convention."""
    leaves = commands(cn)
    names = [" ".join(p) for p, _ in leaves]
    for want in ("status", "ca issue", "directive issue", "inbox", "ack", "tree"):
        check(want in names, "carenet --help does not lead to %r: %s" % (want, names))
    meaning = {}
    for prefix, text in leaves:
        check("Exit status: 0 ok, 2 malformed command line, 4 well formed but refused" in text,
              "carenet %s --help lacks the exit-status convention:\n%s" % (" ".join(prefix), text))
        for m in re.finditer(r"^  -([A-Za-z]), --([a-z0-9-]+)", text, re.M):
            meaning.setdefault(m.group(1), {}).setdefault(m.group(2), []).append(" ".join(prefix))
    for letter, longs in sorted(meaning.items()):
        check(len(longs) == 1, "-%s means %s" % (letter, "; ".join(
            "--%s in %s" % (lo, ", ".join(cmds)) for lo, cmds in longs.items())))
    check(list(meaning.get("c", {"config": 0})) == ["config"], "-c is not --config: %r" %
          meaning.get("c"))
    # every leaf's usage errors: exit 2, "carenet COMMAND: " first
    for prefix, _ in leaves:
        argv = [cn] + list(prefix) + ["--no-such-option"]
        r = run_cli(argv)
        check(r.returncode == EXIT_USAGE and r.stderr.startswith("carenet %s: " % " ".join(prefix)),
              "%s: expected exit 2 and 'carenet %s: ...': %s" % (" ".join(argv), " ".join(prefix),
                                                               show(r)))
    return len(leaves)


def show(r):
    return "exit %d\n--- stdout\n%s--- stderr\n%s" % (r.returncode, r.stdout, r.stderr)


def expect(argv, code, what, out_has=(), err_has=()):
    r = run_cli(argv)
    check(r.returncode == code, "%s: expected exit %d: %s" % (what, code, show(r)))
    for s in out_has:
        check(s.lower() in r.stdout.lower(), "%s: stdout lacks %r: %s" % (what, s, show(r)))
    for s in err_has:
        check(s.lower() in r.stderr.lower(), "%s: stderr lacks %r: %s" % (what, s, show(r)))
    return r


def test_help(cn):
    expect([cn, "--help"], 0, "carenet --help", out_has=["usage"])
    for sub in SUBCOMMANDS:
        r = expect([cn] + sub + ["--help"], 0, "carenet %s --help" % " ".join(sub),
                   out_has=["usage"])
        check(sub[-1] in r.stdout, "carenet %s --help does not name the command:\n%s" %
              (" ".join(sub), r.stdout))
    for sub, flags in FLAGS.items():
        r = expect([cn] + list(sub) + ["--help"], 0, "carenet %s --help" % " ".join(sub))
        for f in flags:
            check(" %s" % f in r.stdout, "carenet %s --help does not document %s:\n%s" %
                  (" ".join(sub), f, r.stdout))
    r = expect([cn, "no-such-command"], EXIT_USAGE, "unknown subcommand")
    check("no-such-command" in r.stderr, "unknown subcommand not named on stderr: %s" % show(r))
    expect([cn, "status", "--no-such-option"], EXIT_USAGE, "status with an unknown option")


def test_help_cmd(cn):
    """carenet help CMD [SUB] is CMD's --help; the man pages and the completion
    words come from the same tables; a mistyped command gets a suggestion."""
    same = [(["help"], ["--help"]), (["help", "status"], ["status", "--help"]),
            (["help", "ca", "issue"], ["ca", "issue", "--help"]),
            (["ca", "help", "issue"], ["ca", "issue", "--help"]),
            (["help", "directive"], ["directive", "--help"])]
    for a, b in same:
        ra = expect([cn] + a, 0, "carenet " + " ".join(a), out_has=["usage"])
        rb = expect([cn] + b, 0, "carenet " + " ".join(b))
        check(ra.stdout == rb.stdout, "carenet %s differs from carenet %s:\n%s\n---\n%s" %
              (" ".join(a), " ".join(b), ra.stdout, rb.stdout))
    expect([cn, "help", "no-such-command"], EXIT_USAGE, "help for an unknown command",
           err_has=["unknown command 'no-such-command'"])
    # did you mean
    for typed, meant, prog in (("stauts", "status", "carenet"), ("directiv", "directive", "carenet"),
                               ("enrol", "enroll", "carenet"), ("isue", "issue", "carenet ca")):
        argv = [cn] + prog.split()[1:] + [typed]
        r = expect(argv, EXIT_USAGE, "mistyped %s" % typed,
                   err_has=["%s: unknown command '%s'; did you mean '%s'?" % (prog, typed, meant)])
        check(r.stdout == "", "a usage error writes nothing on stdout: %s" % show(r))
    r = expect([cn, "xyzzy"], EXIT_USAGE, "a word that is no command")
    check("did you mean" not in r.stderr, "no suggestion for a word far from every command: %s" %
          show(r))
    # the man pages and the completion words document every flag --help does
    for sub, flags in FLAGS.items():
        page = expect([cn, "help", "--man", sub[0]], 0, "help --man %s" % sub[0]).stdout
        check(page.startswith('.TH "CARENET-%s" 1' % sub[0].upper()), "man page header: %s" %
              page[:80])
        words = expect([cn, "help", "--words"] + list(sub), 0, "help --words %s" % " ".join(sub))
        for f in flags:
            check(f.replace("-", "\\-") in page, "carenet-%s(1) lacks %s" % (sub[0], f))
            if f.startswith("--"):
                check(f in words.stdout.split(), "help --words %s lacks %s: %s" %
                      (" ".join(sub), f, words.stdout))
    cfg = expect([cn, "help", "--man", "carenet.cfg"], 0, "help --man carenet.cfg").stdout
    for key in ("data_dir", "log_level", "delivery.keep_acked", "timezone"):
        check(".B %s\n" % key.replace("_", "_") in cfg, "carenet.cfg(5) lacks %s" % key)
    pages = expect([cn, "help", "--man-list"], 0, "help --man-list").stdout.split()
    check("man1/carenet.1.gz" in pages and "man5/carenet.cfg.5.gz" in pages and
          "man1/carenet-directive.1.gz" in pages, "help --man-list: %s" % pages)


def test_demo_usage(cn, scratch):
    expect([cn, "demo", "--townships", "0"], EXIT_USAGE, "demo --townships 0",
           err_has=["townships"])
    expect([cn, "demo", "--townships", "100"], EXIT_USAGE, "demo --townships 100")
    expect([cn, "demo", "--villages", "1000"], EXIT_USAGE, "demo --villages 1000")
    expect([cn, "demo", "--villages", "two"], EXIT_USAGE, "demo --villages two")
    expect([cn, "demo", "--bogus"], EXIT_USAGE, "demo --bogus")
    expect([cn, "demo", "--duration", "0"], EXIT_USAGE, "demo --duration 0",
           err_has=["duration"])
    expect([cn, "demo", "--base-port", "80"], EXIT_USAGE, "demo --base-port 80",
           err_has=["base-port"])
    expect([cn, "demo", "--townships", "99", "--villages", "999"], EXIT_USAGE, "demo of 99000 nodes",
           err_has=["--setup-only"])
    busy = os.path.join(scratch, "busy")
    os.makedirs(busy)
    open(os.path.join(busy, "keep.txt"), "w").close()
    r = expect([cn, "demo", "--setup-only", "--dir", busy], 4, "demo into a non-empty dir",
               err_has=["not an empty directory"])
    check(sorted(os.listdir(busy)) == ["keep.txt"], "demo touched a non-empty dir: %s" %
          os.listdir(busy))
    del r


def test_flags_parse(cn, net):
    """Every flag is still accepted: a stopped node, not a usage error."""
    cfg = net.cfg(net.ids[0])
    issue = [cn, "directive", "issue", "-c", cfg, "--kind", "task", "--to", "530102:village",
             "--title", "t", "--due", "2030-01-01 08:00", "--indicator", "1.1", "--ref", "x",
             "--remind", "1d", "--json"]
    expect(issue + ["--body", "b"], EXIT_UNREACH, "directive issue, every flag",
           err_has=["not running"])
    expect(issue + ["--body", "b", "--body-file", cfg], EXIT_USAGE, "--body and --body-file")
    expect([cn, "directive", "list", "--config", cfg, "--state", "open", "--json"],
           EXIT_UNREACH, "directive list, every flag", err_has=["not running"])
    expect([cn, "directive", "list", "-c", cfg, "--state", "bogus"], EXIT_USAGE,
           "directive list --state bogus", err_has=["--state"])
    expect([cn, "directive", "show", "-c", cfg, "--json", "X1"], EXIT_UNREACH,
           "directive show, every flag", err_has=["not running"])
    expect([cn, "directive", "show", "-c", cfg], EXIT_USAGE, "directive show without ID")
    expect([cn, "directive", "show", "-c", cfg, "--state", "open", "X1"], EXIT_USAGE,
           "directive show --state")
    expect([cn, "directive", "issue", "-c", cfg, "--kind", "task"], EXIT_USAGE,
           "directive issue without --to", err_has=["required"])


def test_status_not_running(cn, net):
    cfg = net.cfg(net.ids[0])
    for extra in ([], ["--json"]):
        expect([cn, "status", "-c", cfg] + extra, EXIT_UNREACH,
               "status %s of a stopped node" % " ".join(extra), err_has=["not running"])


def test_run_config_errors(cn, net):
    missing = os.path.join(net.dir, "missing.cfg")
    r = run_cli([cn, "run", "-c", missing])
    check(r.returncode != 0, "run -c missing.cfg exited 0: %s" % show(r))
    check("cannot open" in r.stderr.lower() and "missing.cfg" in r.stderr,
          "run -c missing.cfg: stderr should say 'cannot open' and name the file: %s" % show(r))

    cfg = net.cfg(net.ids[0])
    with open(cfg) as f:
        text = f.read()
    if not text.endswith("\n"):
        text += "\n"
    bad = os.path.join(os.path.dirname(cfg), "unknown-key.cfg")
    line = text.count("\n") + 1
    with open(bad, "w") as f:
        f.write(text + "no_such_key = 1;\n")
    r = run_cli([cn, "run", "-n", "-c", bad])
    check(r.returncode != 0, "run -n with an unknown key exited 0: %s" % show(r))
    check("%s:%d" % (bad, line) in r.stderr and "no_such_key" in r.stderr,
          "unknown key: stderr should name %s:%d and the key: %s" % (bad, line, show(r)))

    badtz = os.path.join(os.path.dirname(cfg), "bad-tz.cfg")
    kept = [l for l in text.splitlines() if not l.startswith("timezone")]
    with open(badtz, "w") as f:
        f.write("\n".join(kept) + '\ntimezone = "Asia/Shangai";\n')
    tzline = len(kept) + 1
    r = run_cli([cn, "run", "-n", "-c", badtz])
    check(r.returncode == 1 and "%s:%d" % (badtz, tzline) in r.stderr and "Asia/Shangai" in r.stderr
          and "timezone" in r.stderr,
          "an unknown timezone: expected exit 1 naming %s:%d: %s" % (badtz, tzline, show(r)))

    wrong = os.path.join(os.path.dirname(cfg), "wrong-type.cfg")
    with open(wrong, "w") as f:
        f.write(text + 'log_level = 7;\n')
    r = run_cli([cn, "run", "-n", "-c", wrong])
    check(r.returncode != 0 and "%s:%d" % (wrong, line) in r.stderr,
          "log_level of the wrong type: expected an error naming %s:%d: %s" % (wrong, line, show(r)))


def settings(text):
    """The lines of a config that are not comments (a header may name the file)."""
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith(("#", "//"))]


def test_run_check(cn, net):
    for node_id in (net.ids[0], net.ids[-1]):
        cfg = net.cfg(node_id)
        r = expect([cn, "run", "-n", "-c", cfg], 0, "run -n -c %s" % cfg, out_has=["data_dir"])
        if len(node_id) < 12:
            check("tcp://127.0.0.1:" in r.stdout, "run -n: listen endpoint missing:\n%s" % r.stdout)
        # The normalized form is itself a valid config that normalizes to the same text.
        again = os.path.join(os.path.dirname(cfg), "normalized.cfg")
        with open(again, "w") as f:
            f.write(r.stdout)
        r2 = expect([cn, "run", "-n", "-c", again], 0, "run -n of run -n's output")
        check(settings(r2.stdout) == settings(r.stdout),
              "normalizing twice differs:\n%s\n----\n%s" % (r.stdout, r2.stdout))
        os.unlink(again)
    check(not os.path.exists(os.path.join(net.dir, net.ids[0], "data", "control.sock")),
          "run -n left a control socket behind: did it start the node?")


def test_targets_and_states(cn, net):
    """Item 9 and inbox show, on a running county + township + village."""
    from ops import ack, cn_json, issue, poll, show as dshow  # noqa: E402
    county, town, village = net.ids[0], net.ids[1], net.ids[2]
    net.start_all()
    net.wait_for(net.all_links_up, 90, "every link up")
    cfg = net.cfg(county)
    base = [cn, "directive", "issue", "-c", cfg, "--kind", "任务", "--title", "t"]
    # an office never heard of: refused (4) and named; --allow-unknown sends anyway
    ghost = town + "099"
    r = expect(base + ["--to", ghost, "--due", "+1d"], 4, "--to an unknown office",
               err_has=[ghost, "unknown", "--allow-unknown"])
    check(r.stderr.startswith("carenet directive issue: "), "prefix: %s" % show(r))
    expect(base + ["--to", ghost, "--due", "+1d", "--allow-unknown"], 0, "--allow-unknown")
    # a date alone is the end of that day, in the node's zone
    import datetime
    import zoneinfo
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    day = (datetime.datetime.now(tz) + datetime.timedelta(days=3)).date()
    did = issue(net, town, village, "本月走访 visits", due=day.isoformat(),
                extra=("--body", "每户走访并记录 visit every home"))
    end = datetime.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=tz)
    check(dshow(net, town, did)["due"] == int(end.timestamp()),
          "--due %s is not the end of that day (%d): %r" % (day, int(end.timestamp()),
                                                            dshow(net, town, did)["due"]))
    # a rectification order's --ref must name a directive the node knows
    expect([cn, "directive", "issue", "-c", net.cfg(town), "--kind", "rectification", "--to",
            village, "--title", "t", "--due", "+1d", "--ref", "530102001-999"], 4,
           "rectification with an unknown --ref", err_has=["--ref", "530102001-999"])
    expect([cn, "directive", "issue", "-c", net.cfg(town), "--kind", "限时整改", "--to",
            village, "--title", "t", "--due", "+1d", "--ref", did], 0, "rectification --ref ID")
    # Chinese state names; back from done needs --reopen; every note kept
    poll(net, lambda: (any(e["id"] == did for e in cn_json(net, "inbox", "-c", net.cfg(village))),
                       None), 60, "the directive in the village's inbox")
    vcfg = net.cfg(village)
    ack(net, village, did, "已受理", "--note", "收到")
    ack(net, village, did, "已完成", "--note", "第一次完成")
    expect([cn, "ack", did, "-c", vcfg, "--state", "办理中"], 4, "back from done without --reopen",
           err_has=["--reopen"])
    ack(net, village, did, "办理中", "--reopen", "--note", "漏了两户")
    expect([cn, "ack", did, "-c", vcfg, "--state", "完成了"], EXIT_USAGE, "an unknown state")
    r = expect([cn, "inbox", "show", did, "-c", vcfg], 0, "inbox show ID",
               out_has=["每户走访并记录", "漏了两户", "第一次完成", "已受理"])
    v = cn_json(net, "inbox", "show", did, "-c", vcfg)
    check([h["state"] for h in v["history"]] == ["accepted", "done", "in-progress"] and
          v["body"] == "每户走访并记录 visit every home" and v["note"] == "漏了两户",
          "inbox show --json: %r" % v)
    expect([cn, "inbox", "show", "-c", vcfg], EXIT_USAGE, "inbox show without ID")
    expect([cn, "inbox", "show", "530102001-77", "-c", vcfg], 4, "inbox show of an unknown ID")

    def at_town():
        t = [x for x in dshow(net, town, did)["targets"] if x["id"] == village]
        return (bool(t) and [h["note"] for h in t[0]["history"]] == ["收到", "第一次完成", "漏了两户"],
                t)
    poll(net, at_town, 60, "the township keeps every note as history")
    return did


def read_csv(argv, what):
    """Runs a --csv listing; checks the bytes (exit 0, the UTF-8 BOM, CRLF rows) and
    returns its header and rows as read by Python's csv module."""
    import csv
    import io
    import subprocess
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    check(r.returncode == 0, "%s: exit %d: %s" % (what, r.returncode, r.stderr.decode()))
    check(r.stdout.startswith(b"\xef\xbb\xbf"), "%s: no BOM: %r" % (what, r.stdout[:80]))
    check(b"\r\n" in r.stdout and b"\n" not in r.stdout.replace(b"\r\n", b""),
          "%s: rows not ended by CRLF: %r" % (what, r.stdout[:200]))
    rd = csv.reader(io.StringIO(r.stdout.decode("utf-8-sig"), newline=""))
    rows = list(rd)
    check(rows and rows[0] and not rows[0][0].startswith("\ufeff"),
          "%s: the header: %r" % (what, rows[:1]))
    head = rows[0]
    for row in rows[1:]:
        check(len(row) == len(head), "%s: a row of %d cells under %d headings: %r" % (
            what, len(row), len(head), row))
    return head, [dict(zip(head, row)) for row in rows[1:]]


def test_csv(cn, net, did):
    """Item 13: every listing with --json has --csv (UTF-8 with BOM), read back by
    Python's csv module: the header and a row of each checked against what the
    network holds."""
    county, town, village = net.ids[0], net.ids[1], net.ids[2]
    tcfg, vcfg = net.cfg(town), net.cfg(village)
    head, rows = read_csv([cn, "status", "-c", tcfg, "--csv"], "status --csv")
    check(head[:6] == ["link", "id", "role", "role_zh", "name", "state"] and
          [(x["link"], x["id"], x["state"]) for x in rows] ==
          [("parent", county, "up"), ("child", village, "up")] and rows[1]["role_zh"] == "儿童之家",
          "status --csv: %r %r" % (head, rows))
    head, rows = read_csv([cn, "offices", "-c", tcfg, "--csv"], "offices --csv")
    check(head == ["id", "role", "role_zh", "name", "state", "state_zh"] and
          [x["id"] for x in rows] == [village] and rows[0]["role"] == "village" and
          rows[0]["name"] and rows[0]["state"] == "up" and rows[0]["state_zh"] == "在线",
          "offices --csv: %r" % rows)
    head, rows = read_csv([cn, "inbox", "-c", vcfg, "--csv"], "inbox --csv")
    mine = [x for x in rows if x["id"] == did]
    check(head[:3] == ["id", "kind", "kind_zh"] and len(mine) == 1 and
          mine[0]["state"] == "in-progress" and mine[0]["state_zh"] == "办理中" and
          mine[0]["title"] == "本月走访 visits" and mine[0]["issuer"] == town and
          re.match(r"^\d{4}-\d\d-\d\d 23:59:59$", mine[0]["due"]), "inbox --csv: %r" % rows)
    head, rows = read_csv([cn, "directive", "list", "-c", tcfg, "--csv"], "directive list --csv")
    mine = [x for x in rows if x["id"] == did]
    check("done" in head and head[-1] == "title" and len(mine) == 1 and
          mine[0]["targets"] == "1" and mine[0]["in-progress"] == "1" and mine[0]["kind"] == "task",
          "directive list --csv: %r %r" % (head, rows))
    head, rows = read_csv([cn, "directive", "show", did, "-c", tcfg, "--csv"],
                          "directive show --csv")
    check(head[:4] == ["directive", "target", "name", "state"] and len(rows) == 1 and
          rows[0]["target"] == village and rows[0]["state"] == "in-progress" and
          rows[0]["note"] == "漏了两户", "directive show --csv: %r" % rows)
    head, rows = read_csv([cn, "audit", "-c", tcfg, "--csv"], "audit --csv")
    check(head == ["seq", "time", "actor", "action", "subject", "detail", "hash"] and rows and
          rows[0]["seq"] == "1" and len(rows[-1]["hash"]) == 64, "audit --csv: %r" % rows[:3])
    head, rows = read_csv([cn, "audit", "-c", tcfg, "checkpoints", "--csv"],
                          "audit checkpoints --csv")
    check(head[:3] == ["office", "seq", "head"], "audit checkpoints --csv: %r" % head)
    head, rows = read_csv([cn, "ledger", "summary", "-c", tcfg, "--csv"], "ledger summary --csv")
    check(head == ["office", "measure", "value", "count"], "ledger summary --csv: %r" % head)
    expect([cn, "directive", "list", "-c", tcfg, "--csv", "--json"], EXIT_USAGE,
           "--csv with --json")
    # records (the template's layout, Chinese headings) through the same writer
    tpl = run_cli([cn, "record", "template", "--type", "child", "--example"])
    check(tpl.returncode == 0 and tpl.stdout.startswith("\ufeff"), "template: %s" % show(tpl))
    path = os.path.join(net.dir, "example-child.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(tpl.stdout)
    expect([cn, "record", "import", "-c", vcfg, "--type", "child", path], 0, "record import")
    head, rows = read_csv([cn, "record", "list", "-c", vcfg, "--type", "child", "--csv"],
                          "record list --csv")
    check(head[0] == "记录编号" and "姓名" in head and len(rows) == 1 and
          rows[0]["记录编号"].startswith(village + "-r") and "*" in rows[0]["姓名"],
          "record list --csv: %r %r" % (head, rows))
    head, rows = read_csv([cn, "record", "export", "-c", vcfg, "--type", "child", "--csv"],
                          "record export --csv")
    check(head[0] == "记录编号" and len(rows) == 1, "record export --csv: %r" % rows)
    head, rows = read_csv([cn, "doc", "list", "-c", vcfg, "--csv"], "doc list --csv")
    check(head and head[0], "doc list --csv: %r" % head)
    ca = os.path.join(net.dir, "ca-" + county)
    head, rows = read_csv([cn, "ca", "list", "--ca", ca, "--csv"], "ca list --csv")
    byid = {x["id"]: x for x in rows}
    check(head == ["id", "role", "name", "serial", "issued", "valid_until", "revoked_at",
                   "state"] and set(byid) >= {county, town, village} and
          byid[village]["role"] == "village" and byid[village]["name"] and
          re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", byid[village]["issued"]) and
          byid[village]["valid_until"] > byid[village]["issued"] and
          byid[village]["state"] == "-", "ca list --csv: %r %r" % (head, rows))


def display_col(line, sub):
    """The terminal column where sub starts in line (East Asian wide = 2)."""
    import unicodedata
    pre = line[:line.index(sub)]
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in pre)


def test_aligned(cn, net):
    """Item 14: tables with Chinese cells align by display width; under
    LANG=zh_CN.UTF-8 headings and states are Chinese alone."""
    county, town, village = net.ids[0], net.ids[1], net.ids[2]
    ca = os.path.join(net.dir, "ca-" + county)
    r = expect([cn, "ca", "list", "--ca", ca], 0, "ca list")
    lines = r.stdout.splitlines()
    cols = {display_col(x, m.group(0)) for x in lines[1:]
            for m in [re.search(r"\b[0-9a-f]{32}\b", x)] if m}
    check(len(lines) > 3 and cols == {display_col(lines[0], "SERIAL")},
          "ca list: the serial column does not line up under Chinese names:\n%s" % r.stdout)
    env = dict(os.environ, LANG="zh_CN.UTF-8", LC_ALL="")
    import subprocess
    r = subprocess.run([cn, "tree", "-c", net.cfg(county)], capture_output=True, text=True,
                       env=env, timeout=30)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and "状态" in lines[1] and "STATE" not in lines[1] and
          "在线" in r.stdout and " up " not in r.stdout, "tree under LANG=zh_CN: %s" % show(r))
    cols = {display_col(x, "在线") for x in lines[2:] if "在线" in x and not x.startswith("(")}
    check(len(cols) == 1 and cols == {display_col(lines[1], "状态")},
          "tree under LANG=zh_CN: the state column does not line up:\n%s" % r.stdout)
    r = subprocess.run([cn, "offices", "-c", net.cfg(county)], capture_output=True, text=True,
                       env=env, timeout=30)
    check(r.returncode == 0 and "儿童之家" in r.stdout and "village" not in r.stdout,
          "offices under LANG=zh_CN: %s" % show(r))


def tree_json(cn, cfg):
    import json
    r = run_cli([cn, "tree", "-c", cfg, "--json"])
    return r.returncode, {o["id"]: o for o in json.loads(r.stdout or "[]")}


def test_tree(cn, net):
    """tree and status --check as monitoring checks: the county sees its village's
    state, version, queue depth and data age (carried up by the township's
    summaries), exit 1 with the village down, then with the township down (the
    village unknown); tree --csv read by Python's csv."""
    import csv
    import io
    county, town, village = net.ids[0], net.ids[1], net.ids[2]
    cfg = net.cfg(county)

    def village_reported():
        rc, t = tree_json(cn, cfg)
        v = t.get(village, {})
        return rc == 0 and v.get("state") == "up" and v.get("version"), t
    net.wait_for(lambda: village_reported()[0], 60, "the county's tree to show the village up")
    rc, t = tree_json(cn, cfg)
    v = t[village]
    check(v["depth"] == 2 and v["role"] == "village" and isinstance(v["queue"], int) and
          v["data_age"] is not None and v["data_age"] < 60 and v["last_seen"] > 0 and
          t[town]["version"] == v["version"] and t[town]["state"] == "up",
          "tree --json at the county: %r" % t)
    r = expect([cn, "tree", "-c", cfg], 0, "tree with every office up", out_has=[town, village])
    expect([cn, "status", "--check", "-c", cfg], 0, "status --check, all up", out_has=["OK"])
    r = run_cli([cn, "tree", "-c", cfg, "--csv"])
    check(r.returncode == 0 and r.stdout.startswith("\ufeff"), "tree --csv: no BOM: %s" % show(r))
    raw = r.stdout.encode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    check([x["id"] for x in rows] == [town, village] and rows[0]["state"] == "up" and
          rows[1]["state"] == "up" and rows[1]["version"] and rows[0]["name"] and
          rows[1]["data_age"].isdigit(), "tree --csv read by csv.DictReader: %r" % rows)
    # the village down: the township sees it, the county learns it from its summary
    net.stop(village)
    net.wait_for(lambda: tree_json(cn, cfg)[1].get(village, {}).get("state") == "down", 60,
                 "the county's tree to show the village down")
    r = expect([cn, "tree", "-c", cfg], 1, "tree with a village down", out_has=["DOWN"])
    rc, t = tree_json(cn, cfg)
    check(rc == 1 and t[town]["state"] == "up", "tree --json, village down: %d %r" % (rc, t))
    # the township down too: its village is unknown at the county
    net.stop(town)
    net.wait_for(lambda: net.child_state(county, town) == "down", 60, "the township down")
    expect([cn, "status", "--check", "-c", cfg], 1, "status --check, a child down",
           out_has=["DOWN", town])
    rc, t = tree_json(cn, cfg)
    check(rc == 1 and t[town]["state"] == "down" and t[village]["state"] == "unknown" and
          town in t[village]["last_error"], "tree --json, township down: %d %r" % (rc, t))
    net.start(town)
    net.start(village)
    net.wait_for(lambda: village_reported()[0], 60, "the county's tree to show all up again")


def test_cert(cn, net):
    """Item 12: cert show (the node's own certificate, a FILE, --json), and a
    revocation seen against the node's CRL file (exit 4)."""
    import json
    import shutil
    county, town, village = net.ids[0], net.ids[1], net.ids[2]
    vcfg = net.cfg(village)
    vdir = os.path.dirname(vcfg)
    r = expect([cn, "cert", "show", "-c", vcfg], 0, "cert show (this node's)",
               out_has=[village, "village", "sha256", "curve key", "status      valid", county])
    j = json.loads(expect([cn, "cert", "show", "-c", vcfg, "--json"], 0, "cert show --json").stdout)
    from harness import root_sha256  # noqa: E402
    check(j["id"] == village and j["role"] == "village" and j["status"] == "valid" and
          not j["revoked"] and len(j["curve_key"]) == 40 and len(j["sha256"]) == 64 and
          [c["scope"] for c in j["chain"]] == [county, "53"] and
          j["chain"][-1]["sha256"] == root_sha256(os.path.join(vdir, "root.pem")) and
          re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", j["not_after_local"]) and
          j["not_after"] > j["not_before"], "cert show --json: %r" % j)
    # a FILE: the parent's certificate the village holds
    j = json.loads(expect([cn, "cert", "show", os.path.join(vdir, "parent.pem"), "-c", vcfg,
                           "--json"], 0, "cert show FILE").stdout)
    check(j["id"] == town and j["role"] == "township" and j["status"] == "valid",
          "cert show parent.pem: %r" % j)
    expect([cn, "cert", "show", os.path.join(vdir, "node.cfg"), "-c", vcfg], 4,
           "cert show of a file with no certificate", err_has=["no carenet certificate"])
    # revoked at the county CA; the village's CRL file replaced by the new list
    ca = os.path.join(net.dir, "ca-" + county)
    expect([cn, "ca", "revoke", "--ca", ca, "--id", village], 0, "ca revoke")
    shutil.copy(os.path.join(ca, "crl.pem"), os.path.join(vdir, "crl.pem"))
    r = expect([cn, "cert", "show", "-c", vcfg], 4, "cert show of a revoked certificate",
               out_has=["revoked"])
    j = json.loads(run_cli([cn, "cert", "show", "-c", vcfg, "--json"]).stdout)
    check(j["revoked"] and j["status"] == "revoked", "cert show --json, revoked: %r" % j)


def test(net, args):
    cn = net.carenet
    scratch = os.path.dirname(net.dir)
    test_help(cn)
    test_help_cmd(cn)
    test_short_flags(cn)
    test_demo_usage(cn, scratch)
    net.setup(1, 1)
    test_status_not_running(cn, net)
    test_flags_parse(cn, net)
    test_run_config_errors(cn, net)
    test_run_check(cn, net)
    did = test_targets_and_states(cn, net)
    test_csv(cn, net, did)
    test_tree(cn, net)
    test_aligned(cn, net)
    test_cert(cn, net)
    print("cli: help, usage errors, exit statuses, config errors, run -n")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))
