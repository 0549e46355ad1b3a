#!/usr/bin/env python3
"""CSV import on the records page (issue 12), at a village under a township
and a county, in headless Chromium through Selenium (test_web.py's helpers)
and, for what a browser would not send, plain HTTP:

- a good ledger uploaded with "Import" is written: the page says how many and
  lists the new ids, and those records reach the county; the village's audit
  entry for the write names the web user (operator=alice@web);
- "Check" (a dry run) of a good file says every row passed and writes nothing;
- a file with two bad lines shows both of the node's problems in a table
  (line, column with its letter, field, what is wrong) and writes nothing;
- the reader's own problems (an unknown column, a truncated row) are shown
  the same way, with their line numbers, and nothing is written;
- a GB18030 file and a UTF-8 file with a BOM import;
- a viewer's import is refused (403) and the viewer sees no import form; a
  POST without the CSRF token is refused (403); a file over 8 MiB is refused
  with a message on the page; none of them writes anything;
- /records/template?type=R01 (and child with an example row) is byte for byte
  what `carenet record template` prints, offered as a download from the
  import form, and the example row passes a dry run; a read-only type is 404;
- with 240 more children the records page shows 50 rows a page, with links
  to the next and previous pages; the pages together are `record list`'s.
Skipped (exit 77) when chromium or its driver is not installed."""

import html
import os
import re
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledger_data  # noqa: E402
import test_web  # noqa: E402
from harness import check  # noqa: E402
from ops import cn, cn_json, poll  # noqa: E402
from test_web import PASSWORD, Browser, Http, Web, free_port, text_of  # noqa: E402


def multipart(h, path, fields, files):
    """POSTs multipart/form-data with h's cookies: fields {name: value}, files
    {name: (filename, bytes)}. Returns (status, body)."""
    boundary = "----cn" + uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
            boundary, k, v)).encode())
    for k, (fname, data) in files.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: text/csv\r\n\r\n" % (boundary, k, fname)).encode() +
                     data + b"\r\n")
    body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
    headers = {"Content-Type": "multipart/form-data; boundary=" + boundary,
               "Cookie": "; ".join("%s=%s" % kv for kv in h.cookies.items())}
    r = urllib.request.Request(h.base + path, data=body, headers=headers, method="POST")
    try:
        resp = h.opener.open(r, timeout=60)
    except urllib.error.HTTPError as e:
        resp = e
    return resp.status, resp.read().decode("utf-8", "replace")


def children(net, node):
    return cn_json(net, "record", "list", "-c", net.cfg(node), "--type", "child")


def write(net, name, data):
    path = os.path.join(net.dir, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def upload(b, base, path, button):
    """The records page's import form: type child, the file, then a button
    ("dry_run" or "go"). Returns the result page's text."""
    b.get(base + "/records?type=child")
    b.d.find_element(b.By.CSS_SELECTOR, "details#import summary").click()
    b.Select(b.d.find_element(b.By.ID, "imp-type")).select_by_value("child")
    b.d.find_element(b.By.ID, "imp-file").send_keys(path)
    b.submit("form[action='/records/import'] button[name=%s]" % button)
    return b.text()


def problem_rows(b):
    rows = b.d.find_elements(b.By.CSS_SELECTOR, "table#problems tbody tr")
    return [[td.text for td in r.find_elements(b.By.TAG_NAME, "td")] for r in rows]


def good_file(b, net, vweb, village, county):
    kids = [ledger_data.child(k) for k in (300, 301, 302)]
    path = write(net, "good.csv", ledger_data.csv_text(kids))
    before = len(children(net, village))
    t = upload(b, vweb.base, path, "dry_run")
    check("3 行全部通过检查" in t and "未写入" in t, "check of a good file:\n%s" % t)
    check(len(children(net, village)) == before, "a check wrote records")
    t = upload(b, vweb.base, path, "go")
    check("已导入 3 条记录" in t, "import of a good file:\n%s" % t)
    ids = [a.text for a in b.d.find_elements(b.By.CSS_SELECTOR, "ul#imported a")]
    check(len(ids) == 3 and all(i.startswith(village + "-r") for i in ids),
          "the new ids on the page: %r" % ids)
    b.shot("import-done")
    check(len(children(net, village)) == before + 3, "the import wrote no records")

    def at_county():
        have = {r["id"] for r in children(net, county)}
        return all(i in have for i in ids), sorted(have)
    poll(net, at_county, 60, "the imported records at the county")
    audit = cn_json(net, "audit", "-c", net.cfg(village))
    check([e for e in audit if e["action"] == "record" and "3 record version(s)" in e["detail"]
           and "operator=alice@web" in e["detail"]],
          "no audit entry of the import names alice@web: %s" % audit[-3:])
    return ids


def bad_lines(b, net, vweb, village):
    """Two bad lines (3 and 5) among good ones: both problems shown, nothing written."""
    good = [ledger_data.child(k) for k in (310, 311, 312, 313)]
    bad_id = good[3]["id_number"][:17] + ("0" if good[3]["id_number"][17] != "0" else "1")
    rows = [good[0], dict(good[1], gender="X"), good[2], dict(good[3], id_number=bad_id)]
    path = write(net, "two-bad.csv", ledger_data.csv_text(rows))
    before = len(children(net, village))
    t = upload(b, vweb.base, path, "go")
    got = problem_rows(b)
    check(len(got) == 2, "two bad lines: expected 2 problems, got %r\n%s" % (got, t))
    check(got[0][:3] == ["3", "2 (B)", "性别 gender"] and "unknown value 'X'" in got[0][3],
          "the first problem: %r" % got[0])
    check(got[1][:3] == ["5", "4 (D)", "身份证号 id_number"] and "check digit" in got[1][3],
          "the second problem: %r" % got[1])
    check("未写入" in t and "已导入" not in t, "two bad lines: nothing written?\n%s" % t)
    b.shot("import-errors")
    check(len(children(net, village)) == before, "a refused import wrote records")


def reader_problems(net, vweb, village, h):
    """The reader's own problems: an unknown column, then a truncated row."""
    before = len(children(net, village))
    csv = ledger_data.csv_text([ledger_data.child(320)], [("x", "备注栏")])
    st, body = multipart(h, "/records/import", {"csrf": h.csrf("/records"), "type": "child",
                                               "go": "1"}, {"file": ("x.csv", csv.encode())})
    t = html.unescape(text_of(body))
    check(st == 422 and re.search(r"1 15 \(O\) 备注栏 unknown column '备注栏'", t),
          "an unknown column: %d\n%s" % (st, t))
    csv = ledger_data.csv_text([ledger_data.child(321), ledger_data.child(322)])
    csv = csv[:csv.rindex(",")] + "\r\n"  # the last row one cell short
    st, body = multipart(h, "/records/import", {"csrf": h.csrf("/records"), "type": "child",
                                               "go": "1"}, {"file": ("t.csv", csv.encode())})
    t = html.unescape(text_of(body))
    check(st == 422 and re.search(r"3 13 \(M\) \S+ 13 cells; expected 14", t),
          "a truncated row: %d\n%s" % (st, t))
    check(len(children(net, village)) == before, "the reader's refusals wrote records")


def encodings(b, net, vweb, village):
    gb = [ledger_data.child(330), ledger_data.child(331)]
    path = write(net, "gb18030.csv", ledger_data.csv_text(gb).encode("gb18030"))
    t = upload(b, vweb.base, path, "go")
    check("已导入 2 条记录" in t, "a GB18030 file:\n%s" % t)
    bom = [ledger_data.child(332)]
    path = write(net, "bom.csv", b"\xef\xbb\xbf" + ledger_data.csv_text(bom).encode())
    t = upload(b, vweb.base, path, "go")
    check("已导入 1 条记录" in t, "a UTF-8 file with a BOM:\n%s" % t)
    names = {r["fields"]["name"] for r in cn_json(net, "record", "list", "-c", net.cfg(village),
                                                  "--type", "child", "--reveal")}
    check(all(c["name"] in names for c in gb + bom), "GB18030/BOM names not found: %s" % names)


def refusals(net, vweb, village, h):
    before = len(children(net, village))
    csv = ledger_data.csv_text([ledger_data.child(340)]).encode()
    v = Http(vweb.base)
    v.login("vic", PASSWORD)
    st, _, page = v.req("GET", "/records?type=child")
    check(st == 200 and "/records/import" not in page, "a viewer sees the import form")
    st, body = multipart(v, "/records/import", {"csrf": v.csrf("/records"), "type": "child",
                                               "go": "1"}, {"file": ("v.csv", csv)})
    check(st == 403, "a viewer's import: %d\n%s" % (st, text_of(body)[:500]))
    st, body = multipart(h, "/records/import", {"type": "child", "go": "1"},
                         {"file": ("n.csv", csv)})
    check(st == 403 and "CSRF" in body, "an import without the CSRF token: %d" % st)
    big = csv + b"," * (8 << 20)
    st, body = multipart(h, "/records/import", {"csrf": h.csrf("/records"), "type": "child",
                                               "go": "1"}, {"file": ("big.csv", big)})
    check(st == 422 and "超过 8 MiB" in body, "a file over 8 MiB: %d\n%s" % (
        st, text_of(body)[:500]))
    check(len(children(net, village)) == before, "a refused import wrote records")


def paging(net, village, h):
    """The records page shows 50 rows a page; the pages together are the CLI's listing."""
    path = write(net, "many.csv", ledger_data.csv_text([ledger_data.child(k)
                                                        for k in range(400, 640)]))
    cn(net, "record", "import", "-c", net.cfg(village), "--type", "child", path)
    want = [r["id"] for r in children(net, village)]
    per = 50  # web/pages_records.c, PAGE_ROWS
    pages = (len(want) + per - 1) // per
    got = []
    for p in range(1, pages + 2):  # one past the end: the last page again
        st, _, body = h.req("GET", "/records?type=child&page=%d" % p)
        rows = re.findall(r'<tr><th scope="row"><a href="/records/edit\?id=([^"]+)"', body)
        last = min(p, pages)
        check(st == 200 and len(rows) == (per if last < pages else len(want) - per * (pages - 1))
              and ('rel="next"' in body) == (last < pages) and
              ('rel="prev"' in body) == (last > 1),
              "page %d of %d (%d records): %d rows\n%s" % (p, pages, len(want), len(rows),
                                                          text_of(body)[-600:]))
        if p <= pages:
            got += [html.unescape(r) for r in rows]
    check(got == want, "the pages together are not the listing: %d of %d" % (len(got), len(want)))
    print("%d records on %d pages of %d" % (len(want), pages, per))


def templates(net, b, vweb, village, h):
    """The template download: the CLI's bytes, a file name, a link on the page."""
    import subprocess
    for q, argv in (("type=R01", ["--type", "R01"]),
                    ("type=child&example=1", ["--type", "child", "--example"])):
        want = subprocess.run([net.carenet, "record", "template"] + argv, capture_output=True,
                              timeout=30).stdout
        st, hdr, body = h.req("GET", "/records/template?" + q)
        check(st == 200 and body.encode("utf-8") == want and want.startswith(b"\xef\xbb\xbf"),
              "template %s: %d, page %r, CLI %r" % (q, st, body[:200], want[:200]))
        check("attachment" in hdr.get("Content-Disposition", "") and
              hdr.get("Content-Type", "").startswith("text/csv"), "template headers: %s" % hdr)
    st, body = multipart(h, "/records/import", {"csrf": h.csrf("/records"), "type": "child",
                                               "dry_run": "1"}, {"file": ("t.csv", want)})
    check(st == 200, "the example row's dry run: %d\n%s" % (st, text_of(body)[:1500]))
    st, _, _ = h.req("GET", "/records/template?type=report")
    check(st == 404, "a read-only type's template: %d" % st)
    b.get(vweb.base + "/records?type=child")
    link = b.d.find_element(b.By.ID, "template-example").get_attribute("href")
    check(link.endswith("/records/template?type=child&example=1"), "the link: %s" % link)
    print("templates: the CLI's bytes, linked from the import form; the example imports")


def test(net, args):
    county, township, village = net.setup(1, 1)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    pw = os.path.join(net.dir, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for name, role in (("alice", "operator"), ("vic", "viewer")):
        cn(net, "user", "add", name, "--role", role, "--password-file", pw, "-c",
           net.cfg(village))
    vweb = Web(net, village, free_port(), False)
    b = None
    shots = [os.path.join(net.dir, "screenshots")] + ([args.screenshots]
                                                      if args.screenshots else [])
    try:
        net.wait_for(vweb.up, 30, "carenet web for the village answering")
        b = Browser(shots)
        b.login(vweb.base, "alice", PASSWORD)
        good_file(b, net, vweb, village, county)
        bad_lines(b, net, vweb, village)
        encodings(b, net, vweb, village)
        h = Http(vweb.base)
        h.login("alice", PASSWORD)
        reader_problems(net, vweb, village, h)
        refusals(net, vweb, village, h)
        templates(net, b, vweb, village, h)
        paging(net, village, h)
    finally:
        if b:
            b.quit()
        code = vweb.stop()
    check(code == 0, "carenet web on SIGTERM exited %s" % code)


if __name__ == "__main__":
    sys.exit(test_web.cli(test, __doc__))
