#!/usr/bin/env python3
"""The operators' web interface (issue 12, first slice) on a county, a
township and a village, driven in headless Chromium through Selenium (and,
for what a browser would never send, with plain HTTP requests):

- carenet web refuses a non-loopback address without TLS (exit 4, says why),
  and serves HTTPS with web.tls_cert and web.tls_key;
- no session: every page redirects to the sign-in page;
- a wrong password is refused; five wrong ones lock the account for a while
  (even the right password is then refused, and says how long to wait);
- the supervisor at the county issues a directive on the county's page, with
  the village picked from the offices below; it shows in the village's inbox
  on the village's page; the operator acknowledges it there with a note and
  an evidence file; the county's `directive show --json` has the state, the
  note and the file's name, SHA-256 and size, the county holds the file, the county's
  matrix page shows it, and the village's audit entry names the web user;
- the village's records page lists its children masked, searches them
  (FIELD=VALUE, matched by the node) and exports them as CSV, masked; a
  record is edited (only what differs is sent) and closed; the reveal button
  shows them in the clear and is audited under the web user; the add form
  writes a staff record, and a bad one gets the node's own refusal while
  nothing is written;
- a mandatory report filed in three clicks at a phone's width; not
  acknowledged within the hour (test clocks), the village's page shows it
  escalated to the county, and the county acknowledges it on its page with an
  evidence file (attached as a document, named and hashed in the step);
- a POST without the CSRF token, or with another site's Origin, is refused
  (403) and changes nothing; a viewer's POST is refused (403); a removed
  account's open session ends;
- each web process says it cannot open the node's key files (Landlock).
Screenshots of each page go to the test's directory (--screenshots DIR: also
there). Skipped (exit 77) only when chromium or its driver is not installed."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledger_data  # noqa: E402
from harness import TestFailure, check, main, run_cli  # noqa: E402
from ops import EXIT_OK, advance, cn, cn_json, enable_test_clock, free_port, poll, show_run  # noqa: E402,F401

SKIP = 77
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
PASSWORD = "correct-horse-7"


def selenium_modules():
    """Debian's python3-selenium lives in /usr/lib/python3/dist-packages, which a
    python3 of its own (pyenv, a venv) does not search."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    return webdriver, Service, By, Select


# ---- plain HTTP (what a browser would not send) ----

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Http:
    """A client with its own cookies that never follows redirects."""

    def __init__(self, base):
        self.base = base
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def req(self, method, path, form=None, headers=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        h = dict(headers or {})
        if data is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        r = urllib.request.Request(self.base + path, data=data, headers=h, method=method)
        try:
            resp = self.opener.open(r, timeout=30)
        except urllib.error.HTTPError as e:
            resp = e
        body = resp.read().decode("utf-8", "replace")
        for c in resp.headers.get_all("Set-Cookie") or []:
            name, value = c.split(";")[0].split("=", 1)
            self.cookies[name] = value
        return resp.status, resp.headers, body

    def login(self, user, password):
        return self.req("POST", "/login", {"user": user, "password": password})

    def csrf(self, path="/inbox"):
        st, _, body = self.req("GET", path)
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
        check(st == 200 and m, "GET %s: %d, no csrf field:\n%s" % (path, st, body[:2000]))
        return m.group(1)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---- the web processes ----

class Web:
    def __init__(self, net, node, port, via_config):
        self.node, self.port = node, port
        self.base = "http://127.0.0.1:%d" % port
        self.log = open(os.path.join(net.dir, node, "web.log"), "ab")
        argv = [net.carenet, "web", "-c", net.cfg(node)]
        if not via_config:
            argv += ["--listen", "127.0.0.1:%d" % port]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, start_new_session=True)

    def up(self):
        check(self.proc.poll() is None, "carenet web for %s exited %s" % (self.node,
                                                                          self.proc.returncode))
        try:
            st, _, _ = Http(self.base).req("GET", "/login")
            return st == 200
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise TestFailure("carenet web for %s ignored SIGTERM" % self.node)
        self.log.close()
        return self.proc.returncode


# ---- the ledger a village imports (tests/net/ledger_data.py) ----

CHILDREN = [ledger_data.child(0), ledger_data.child(1)]  # a girl, then a boy


def masked(name):
    return name[0] + "*" + name[-1]


def import_children(net, village):
    path = os.path.join(net.dir, "children.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(ledger_data.csv_text(CHILDREN))
    cn(net, "record", "import", "-c", net.cfg(village), "--type", "child", path)


# ---- the browser ----

class Browser:
    def __init__(self, shots):
        webdriver, Service, self.By, self.Select = selenium_modules()
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--lang=zh-CN"):
            opts.add_argument(a)
        self.d = webdriver.Chrome(service=Service(DRIVER), options=opts)
        self.d.set_page_load_timeout(30)
        self.shots = shots

    def get(self, url):
        self.d.get(url)
        return self.d.page_source

    def text(self):
        return self.d.find_element(self.By.TAG_NAME, "body").text

    def fill(self, field_id, value):
        e = self.d.find_element(self.By.ID, field_id)
        e.clear()
        e.send_keys(value)

    def submit(self, css="main form button[type=submit]"):
        """Clicks the button and waits for the next page to replace this one."""
        self.click(self.d.find_element(self.By.CSS_SELECTOR, css))

    def click(self, element):
        """Clicks element and waits (at most 30 s) until this page is gone: its
        <html> is stale (Chrome may also say the node left the document)."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait
        old = self.d.find_element(self.By.TAG_NAME, "html")
        element.click()

        def gone(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:  # stale, or "does not belong to the document"
                return True
        WebDriverWait(self.d, 30).until(gone)

    def shot(self, name, width=None):
        if width:
            self.d.set_window_size(width, 1000)
        for d in self.shots:
            os.makedirs(d, exist_ok=True)
            self.d.save_screenshot(os.path.join(d, "web-%s.png" % name))
        if width:
            self.d.set_window_size(1280, 1000)

    def login(self, base, user, password):
        """Signs in (the instance's session cookie kept: /login then redirects)."""
        self.get(base + "/login")
        if not self.d.current_url.endswith("/login"):
            return self.text()
        self.fill("user", user)
        self.fill("password", password)
        self.submit()
        return self.text()

    def quit(self):
        self.d.quit()


def add_users(net, node, users):
    """carenet user add NAME --role ROLE at node for each (name, role), password PASSWORD."""
    pw = os.path.join(net.dir, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for name, role in users:
        cn(net, "user", "add", name, "--role", role, "--password-file", pw, "-c", net.cfg(node))


def with_web(net, args, node, fn):
    """Starts carenet web for node on a free port and, once it answers, calls
    fn(web, browser) with a headless Chromium (screenshots in DIR/screenshots and
    --screenshots); then quits the browser and stops the web process, which must
    exit 0 on SIGTERM."""
    web = Web(net, node, free_port(), False)
    b = None
    shots = [os.path.join(net.dir, "screenshots")] + ([args.screenshots]
                                                      if args.screenshots else [])
    try:
        net.wait_for(web.up, 30, "carenet web for %s answering" % node)
        b = Browser(shots)
        fn(web, b)
    finally:
        if b:
            b.quit()
        code = web.stop()
    check(code == 0, "carenet web on SIGTERM exited %s" % code)


# ---- the test ----

def refuse_non_loopback(net, village):
    r = run_cli([net.carenet, "web", "-c", net.cfg(village), "--listen",
                 "0.0.0.0:%d" % free_port()], timeout=20)
    check(r.returncode == 4 and "not a loopback address" in r.stderr and "web.tls_cert" in
          r.stderr and r.stderr.startswith("carenet web:"),
          "a non-loopback listen without TLS: expected exit 4 and why:\n%s" % show_run(r))


def tls(net, township):
    """web.tls_cert and web.tls_key: HTTPS, and the session cookie is Secure."""
    import ssl
    d = os.path.join(net.dir, township)
    r = run_cli(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                 "-keyout", os.path.join(d, "web-key.pem"), "-out", os.path.join(d, "web.pem")])
    check(r.returncode == 0, "openssl req: %s" % show_run(r))
    pw = os.path.join(d, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    cn(net, "user", "add", "tom", "--role", "viewer", "--password-file", pw, "-c",
       net.cfg(township))
    port = free_port()
    with open(net.cfg(township), "a") as f:
        f.write('\nweb = { listen = "127.0.0.1:%d"; tls_cert = "web.pem"; '
                'tls_key = "web-key.pem"; };\n' % port)
    w = Web(net, township, port, True)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    base = "https://127.0.0.1:%d" % port

    def up():
        check(w.proc.poll() is None, "carenet web with TLS exited %s" % w.proc.returncode)
        try:
            return urllib.request.urlopen(base + "/login", context=ctx, timeout=5).status == 200
        except OSError:
            return False
    try:
        net.wait_for(up, 30, "carenet web over TLS answering")
        data = urllib.parse.urlencode({"user": "nobody", "password": "x"}).encode()
        try:
            urllib.request.urlopen(urllib.request.Request(base + "/login", data=data),
                                   context=ctx, timeout=30)
            raise TestFailure("a wrong sign-in over TLS was not refused")
        except urllib.error.HTTPError as e:
            check(e.code == 401 and "max-age" in (e.headers.get(
                "Strict-Transport-Security") or ""), "over TLS: %d %s" % (e.code, e.headers))
        data = urllib.parse.urlencode({"user": "tom", "password": PASSWORD}).encode()
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), NoRedirect)
        try:
            opener.open(urllib.request.Request(base + "/login", data=data), timeout=30)
            raise TestFailure("sign-in over TLS: no redirect")
        except urllib.error.HTTPError as e:
            cookie = e.headers.get("Set-Cookie") or ""
            check(e.code == 303 and "; Secure" in cookie and "HttpOnly" in cookie,
                  "sign-in over TLS: %d, cookie %r" % (e.code, cookie))
    finally:
        check(w.stop() == 0, "carenet web with TLS: exit %s" % w.proc.returncode)


def accounts(net, village, county):
    pw = os.path.join(net.dir, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for node, name, role in ((village, "alice", "operator"), (village, "bob", "operator"),
                             (village, "vic", "viewer"), (county, "sue", "supervisor")):
        cn(net, "user", "add", name, "--role", role, "--password-file", pw, "-c", net.cfg(node))
    users = cn_json(net, "user", "list", "-c", net.cfg(village))
    check(sorted((u["name"], u["role"]) for u in users) ==
          [("alice", "operator"), ("bob", "operator"), ("vic", "viewer")], "user list: %r" % users)
    mode = os.stat(os.path.join(net.dir, village, "data", "web-users")).st_mode & 0o777
    check(mode == 0o600, "web-users mode %o" % mode)
    cn(net, "user", "add", "alice", "--role", "operator", "--password-file", pw, "-c",
       net.cfg(village), code=4)
    r = cn(net, "user", "add", "zed", "--role", "boss", "--password-file", pw, "-c",
           net.cfg(village), code=2)
    check(r.stderr.startswith("carenet user add: --role boss"), show_run(r))
    short = os.path.join(net.dir, "short")
    with open(short, "w") as f:
        f.write("short\n")
    r = cn(net, "user", "add", "zed", "--role", "viewer", "--password-file", short, "-c",
           net.cfg(village), code=4)
    check("8 to 256 characters" in r.stderr, show_run(r))
    r = cn(net, "user", "passwd", "zed", "--password-file", pw, "-c", net.cfg(village), code=4)
    check("no account zed" in r.stderr, show_run(r))


def sign_in_rules(vweb):
    st, h, _ = Http(vweb.base).req("GET", "/inbox")
    check(st == 303 and h.get("Location") == "/login", "no session: %d %s" % (st, h.get(
        "Location")))
    h1 = Http(vweb.base)
    for i in range(5):
        st, _, body = h1.login("bob", "wrong-%d" % i)
        check(st == 401 and "用户名或密码错误" in body, "wrong password %d: %d" % (i, st))
        check('role="alert"' in body, "the refusal is not announced as an alert (role=alert)")
    st, _, body = h1.login("bob", PASSWORD)
    check(st == 429 and "尝试次数过多" in body and not any(k.startswith("cn_session")
                                                       for k in h1.cookies),
          "after 5 wrong passwords the right one must wait: %d\n%s" % (st, text_of(body)))
    st, h, _ = h1.login("alice", PASSWORD)
    check(st == 303 and "HttpOnly" in h.get("Set-Cookie", "") and
          "SameSite=Strict" in h.get("Set-Cookie", ""), "alice: %d %s" % (st, h))


def issue_on_county_page(net, b, cweb, village):
    b.login(cweb.base, "sue", PASSWORD)
    b.get(cweb.base + "/directives")
    boxes = b.d.find_elements(b.By.CSS_SELECTOR, "input[name=target][value='%s']" % village)
    check(len(boxes) == 1, "the county's issue form offers no %s:\n%s" % (village, b.text()))
    boxes[0].click()
    b.Select(b.d.find_element(b.By.ID, "kind")).select_by_value("task")
    b.fill("title", "儿童之家季度活动记录 <quarterly>")
    b.fill("body", "请于一周内上报。\nReport within a week.")
    b.fill("due", "+7d")
    b.shot("directives")
    b.submit("main form[action='/issue'] button[type=submit]")
    t = b.text()
    m = re.search(r"(530102-\d+)", t)
    check("已下发" in t and m, "issue on the county's page:\n%s" % t)
    return m.group(1)


def ack_on_village_page(net, b, vweb, village, county, did):
    b.login(vweb.base, "alice", PASSWORD)

    def arrived():
        b.get(vweb.base + "/inbox")
        return did in b.text(), b.text()
    poll(net, arrived, 60, "the directive in the village's inbox page")
    check("<quarterly>" in b.text() and "&lt;quarterly&gt;" in b.d.page_source,
          "the title is shown escaped")
    b.shot("inbox")
    b.shot("inbox-phone", width=390)
    b.Select(b.d.find_element(b.By.ID, "st-" + did)).select_by_value("done")
    b.fill("note-" + did, "已完成 网页")
    content = ("会议记录 minutes\n" * 2000).encode()
    ev_path = os.path.join(net.dir, "会议记录.txt")
    with open(ev_path, "wb") as f:
        f.write(content)
    b.d.find_element(b.By.ID, "ev-" + did).send_keys(ev_path)
    b.submit("main form[action='/ack'] button[type=submit]")
    check("已提交" in b.text(), "ack on the page:\n%s" % b.text())
    sha = hashlib.sha256(content).hexdigest()

    def at_county():
        v = cn_json(net, "directive", "show", did, "-c", net.cfg(county))
        t = [x for x in v["targets"] if x["id"] == village]
        return bool(t) and t[0]["state"] == "done" and t[0].get("note") == "已完成 网页" and \
            [(e["name"], e["sha256"], e["size"]) for e in t[0].get("evidence", [])] == \
            [("会议记录.txt", sha, len(content))], v
    poll(net, at_county, 60, "the county's directive show has the village's done and evidence")

    def doc_at_county():
        docs = cn_json(net, "doc", "list", "-c", net.cfg(county))
        return any(d["sha256"] == sha and d["complete"] for d in docs), docs
    poll(net, doc_at_county, 60, "the evidence file complete at the county")
    audit = cn_json(net, "audit", "-c", net.cfg(village))
    named = [e for e in audit if e["action"] == "ack" and e["subject"] == did and
             "operator=alice@web" in e["detail"]]
    check(named, "no ack audit entry names alice@web: %s" % [e for e in audit
                                                              if e["subject"] == did])


def county_matrix(b, cweb, village, did):
    b.login(cweb.base, "sue", PASSWORD)
    b.get(cweb.base + "/directive?id=" + did)
    row = b.d.find_element(b.By.XPATH, "//tr[th[contains(., '%s')]]" % village).text
    check("已完成" in row and "done" in row, "the county's matrix row: %r" % row)
    b.shot("matrix")
    b.get(cweb.base + "/")
    check("530102001" in b.text(), "the county's overview lists its township:\n%s" % b.text())
    b.shot("overview")


def records_pages(net, b, vweb, village):
    b.login(vweb.base, "alice", PASSWORD)
    b.get(vweb.base + "/records?type=child")
    t = b.text()
    for c in CHILDREN:
        check(masked(c["name"]) in t and c["name"] not in t, "records page: %s masked as %s?\n%s"
              % (c["name"], masked(c["name"]), t))
    b.shot("records")
    # search: the node matches FIELD=VALUE, as record list --where
    b.Select(b.d.find_element(b.By.ID, "field")).select_by_value("gender")
    b.fill("value", "女")
    b.submit("main form[action='/records'] button[type=submit]")
    t = b.text()
    girl, boy = masked(CHILDREN[0]["name"]), masked(CHILDREN[1]["name"])
    check(CHILDREN[0]["gender"] == "女" and girl in t and boy not in t,
          "search gender=女:\n%s" % t)
    b.get(vweb.base + "/records?type=child")
    b.submit("main form[action='/records'] button[name=reveal]")
    t = b.text()
    check(all(c["name"] in t for c in CHILDREN), "revealed page lacks the names:\n%s" % t)
    audit = cn_json(net, "audit", "-c", net.cfg(village))
    check([e for e in audit if e["action"] == "reveal" and "alice@web" in e["detail"]],
          "no reveal audit entry names alice@web: %s" % audit[-5:])

    def add_staff(phone):
        b.get(vweb.base + "/records?type=staff")
        b.d.find_element(b.By.CSS_SELECTOR, "details summary").click()
        for fid, value in (("f-name", "李红"), ("f-phone", phone), ("f-duties", "走访"),
                           ("f-start_at", "2019-05-01")):
            b.fill(fid, value)
        for fid, value in (("f-role", "联系人"), ("f-employment", "兼职"),
                           ("f-engagement", "村干部兼任")):
            b.Select(b.d.find_element(b.By.ID, fid)).select_by_visible_text(value)
        b.submit("main form[action='/records/add'] button[type=submit]")
        return b.text()

    # export: the masked listing as CSV (BOM, the template's Chinese header)
    h = Http(vweb.base)
    h.login("alice", PASSWORD)
    st, hd, body = h.req("GET", "/records.csv?type=child")
    lines = body.splitlines()
    check(st == 200 and hd.get("Content-Type", "").startswith("text/csv") and
          "attachment" in hd.get("Content-Disposition", "") and body.startswith("\ufeff") and
          lines[0].lstrip("\ufeff").startswith("编号,所属,版本,姓名") and len(lines) == 3 and
          masked(CHILDREN[0]["name"]) in body and CHILDREN[0]["name"] not in body,
          "records.csv: %d %s\n%s" % (st, hd, body))
    before = len(cn_json(net, "record", "list", "-c", net.cfg(village), "--type", "staff"))
    t = add_staff("1398765")
    check("is not a phone number" in t and "已保存" not in t, "a bad phone: the node's refusal?\n%s" % t)
    b.shot("record-refused")
    check(len(cn_json(net, "record", "list", "-c", net.cfg(village), "--type", "staff")) ==
          before, "a refused record was written")
    t = add_staff("13987654321")
    check("已保存" in t, "a good staff record:\n%s" % t)
    check(len(cn_json(net, "record", "list", "-c", net.cfg(village), "--type", "staff")) ==
          before + 1, "the staff record was not written")
    # edit: only what differs is sent (record update); then close it (record close)
    sid = [r["id"] for r in cn_json(net, "record", "list", "-c", net.cfg(village), "--type",
                                      "staff")][-1]
    b.get(vweb.base + "/records?type=staff")
    b.click(b.d.find_element(b.By.LINK_TEXT, sid))
    b.fill("f-duties", "走访、培训")
    b.submit("main form[action='/records/update'] button[type=submit]")
    check("已保存" in b.text(), "the edit:\n%s" % b.text())
    rec = cn_json(net, "record", "show", sid, "-c", net.cfg(village), "--reveal")
    check(rec.get("version") == 2 and rec.get("fields", {}).get("duties") == "走访、培训" and
          rec["fields"].get("name") == "李红", "after the edit: %r" % rec)
    b.get(vweb.base + "/records/edit?id=" + sid)
    b.Select(b.d.find_element(b.By.ID, "reason")).select_by_visible_text("不再符合")
    b.submit("main form[action='/records/update'] button.plain")
    check("已保存" in b.text(), "the close:\n%s" % b.text())
    rec = cn_json(net, "record", "show", sid, "-c", net.cfg(village))
    check(rec.get("closed") is True, "after the close: %r" % rec)


def reports_pages(net, b, vweb, cweb, ids):
    """A report filed in three clicks at a phone's width; not acknowledged by the
    township within the hour, it escalates to the county, which the village's
    page shows; the county acknowledges it on its page."""
    county, township, village = ids
    b.login(vweb.base, "alice", PASSWORD)
    b.d.set_window_size(390, 1000)
    b.get(vweb.base + "/reports")
    b.d.find_element(b.By.CSS_SELECTOR, "a[href='#file']").click()          # 1
    b.d.find_element(b.By.CSS_SELECTOR, "input[name=situation][value=S03]").click()  # 2
    b.fill("summary", "孩子身上有多处伤痕")
    b.fill("description", "男孩 约8岁 住三组")
    b.shot("report-file")
    b.submit("main form[action='/reports/file'] button[type=submit]")       # 3
    b.d.set_window_size(1280, 1000)
    t = b.text()
    m = re.search(r"(%s-rep\d+)" % village, t)
    check("已报告" in t and m, "filing a report on the page:\n%s" % t)
    rid = m.group(1)

    def held():
        v = cn_json(net, "report", "list", "-c", net.cfg(county))
        return any(x["id"] == rid for x in v), v
    poll(net, held, 60, "the county holds the report")
    for node in (township, village, county):  # the receivers' clocks first
        advance(net, node, "61m")

    def escalated():
        b.get(vweb.base + "/report?id=" + rid)
        return "已上报县级" in b.text(), b.text()
    poll(net, escalated, 60, "the village's page shows the report escalated")
    check("孩子身上有多处伤痕" not in b.text(), "the summary is not masked:\n%s" % b.text())
    b.submit("main form[action='/report'] button[type=submit]")  # reveal (audited)
    check("孩子身上有多处伤痕" in b.text() and "S03" in b.text(), "revealed:\n%s" % b.text())
    b.shot("report-escalated")
    b.login(cweb.base, "sue", PASSWORD)
    b.get(cweb.base + "/report?id=" + rid)
    b.Select(b.d.find_element(b.By.ID, "kind")).select_by_value("ack")
    b.fill("note", "县级已受理")
    photo = ("现场照片 photo\n" * 300).encode()
    ev_path = os.path.join(net.dir, "现场照片.txt")
    with open(ev_path, "wb") as f:
        f.write(photo)
    b.d.find_element(b.By.ID, "evidence").send_keys(ev_path)  # evidence on a step
    b.submit("main form[action='/report/step'] button[type=submit]")
    check("已提交" in b.text(), "the county's ack on its page:\n%s" % b.text())
    v = cn_json(net, "report", "show", rid, "-c", net.cfg(county))
    ev = [(e["name"], e["sha256"], e["size"]) for s in v.get("steps", [])
          for e in s.get("evidence", [])]
    check(ev == [("现场照片.txt", hashlib.sha256(photo).hexdigest(), len(photo))],
          "the step's evidence at the county: %r" % v.get("steps"))
    check(any(d["sha256"] == ev[0][1] for d in cn_json(net, "doc", "list", "-c",
                                                      net.cfg(county))),
          "the step's file is not a document at the county")
    b.get(cweb.base + "/report?id=" + rid)
    check("现场照片.txt" in b.text(), "the steps table lacks the file:\n%s" % b.text())

    def acked():
        v = cn_json(net, "report", "show", rid, "-c", net.cfg(village))
        return v.get("state") == "acknowledged", v
    poll(net, acked, 60, "the village sees the county's acknowledgement")
    b.get(cweb.base + "/")
    check("强制报告未办结" in b.text(), "the overview counts reports:\n%s" % b.text())


def forged_posts(net, vweb, village, county, did):
    h = Http(vweb.base)
    h.login("alice", PASSWORD)
    token = h.csrf()
    form = {"id": did, "state": "in-progress", "note": "forged", "reopen": "1"}
    st, _, body = h.req("POST", "/ack", form)
    check(st == 403 and "CSRF" in body, "a POST without the CSRF token: %d\n%s" % (
        st, text_of(body)[:500]))
    st, _, body = h.req("POST", "/ack", dict(form, csrf="0" * 64))
    check(st == 403, "a POST with a wrong CSRF token: %d" % st)
    st, _, body = h.req("POST", "/ack", dict(form, csrf=token),
                        {"Origin": "http://evil.example"})
    check(st == 403, "a POST from another site's page: %d" % st)
    v = Http(vweb.base)
    v.login("vic", PASSWORD)
    st, _, body = v.req("POST", "/ack", dict(form, csrf=v.csrf()))
    check(st == 403 and "查看人" in body, "a viewer's POST: %d\n%s" % (st, text_of(body)[:500]))
    view = cn_json(net, "inbox", "show", did, "-c", net.cfg(village))
    check(view["state"] == "done" and "forged" not in json.dumps(view, ensure_ascii=False),
          "a refused POST changed the state: %r" % view)
    # an account removed: its open session ends at once
    cn(net, "user", "remove", "vic", "-c", net.cfg(village))
    st, hd, _ = v.req("GET", "/inbox")
    check(st == 303 and hd.get("Location") == "/login", "a removed account's session: %d" % st)
    st, _, _ = h.req("POST", "/logout", {"csrf": token})
    check(st == 303, "logout: %d" % st)
    st, hd, _ = h.req("GET", "/inbox")
    check(st == 303 and hd.get("Location") == "/login", "after logout: %d" % st)


def test(net, args):
    ids = net.setup(1, 1)
    county, township, village = ids
    for i in ids:
        enable_test_clock(net, i)  # a report's hour passes at once
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    refuse_non_loopback(net, village)
    tls(net, township)
    accounts(net, village, county)
    import_children(net, village)
    vport, cport = free_port(), free_port()
    with open(net.cfg(village), "a") as f:
        f.write('\nweb = { listen = "127.0.0.1:%d"; };\n' % vport)
    webs = [Web(net, village, vport, True), Web(net, county, cport, False)]
    vweb, cweb = webs
    b = None
    shots = [os.path.join(net.dir, "screenshots")] + ([args.screenshots]
                                                      if args.screenshots else [])
    try:
        for w in webs:
            net.wait_for(w.up, 30, "carenet web for %s answering" % w.node)
            with open(os.path.join(net.dir, w.node, "web.log"), encoding="utf-8") as f:
                log = f.read()
            check("the node's keys are out of this process's reach" in log,
                  "carenet web for %s can read the node's keys:\n%s" % (w.node, log))
        sign_in_rules(vweb)
        net.wait_for(lambda: village in json.dumps(cn_json(net, "offices", "-c",
                                                           net.cfg(county))),
                     60, "the county knows the village")
        b = Browser(shots)
        b.get(vweb.base + "/inbox")
        check(b.d.current_url.endswith("/login"), "no session: %s" % b.d.current_url)
        t = b.login(vweb.base, "alice", "not-the-password")
        check("用户名或密码错误" in t, "a wrong password on the page:\n%s" % t)
        b.shot("login")
        did = issue_on_county_page(net, b, cweb, village)
        ack_on_village_page(net, b, vweb, village, county, did)
        county_matrix(b, cweb, village, did)
        records_pages(net, b, vweb, village)
        reports_pages(net, b, vweb, cweb, ids)
        b.get(vweb.base + "/?lang=en")
        check("Overview" in b.text() and "Inbox" in b.text(), "English:\n%s" % b.text())
        forged_posts(net, vweb, village, county, did)
    finally:
        if b:
            b.quit()
        codes = [w.stop() for w in webs]
    check(codes == [0, 0], "carenet web on SIGTERM exited %s" % codes)


def cli(test_fn=None, doc=None):
    """Runs test_fn (this file's test by default) with the browser checks and
    --screenshots DIR: the entry point of every web test."""
    test_fn = test_fn or test
    if not CHROMIUM or not DRIVER:
        print("SKIP: chromium and chromium-driver are not installed "
              "(bash scripts/setup.sh --test installs them)")
        return SKIP
    try:
        selenium_modules()
    except ImportError:
        print("FAIL: chromium is installed but python3-selenium is not "
              "(bash scripts/setup.sh --test)", file=sys.stderr)
        return 1
    if "--screenshots" in sys.argv:
        i = sys.argv.index("--screenshots")
        shots = os.path.abspath(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    else:
        shots = None

    def run(net, args):
        args.screenshots = shots
        return test_fn(net, args)
    return main(run, doc or __doc__)


if __name__ == "__main__":
    sys.exit(cli())
