"""Shared code for the carenet benchmarks (bench/*.py). Python 3 standard library only.

A BenchNet is a demo network (`carenet demo --setup-only`) whose nodes run as
real processes on 127.0.0.1. Nodes started with piped=True have their stderr
read by one thread that stamps every log line with time.monotonic() as it
arrives, so start-up events ("parent up", "village up") are timed to well
under a millisecond without asking the nodes anything; the lines also go to
DIR/<id>/node.log. Every wait is a poll with a deadline and a count cap, and
cleanup() stops every process this module started (SIGTERM, then SIGKILL).
"""

import json
import os
import platform
import re
import resource
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

COUNTY = "530102"
EXIT_UNREACH = 1  # with "not running" or "did not answer" (cn_exit_code: 1 is "other")

RE_RUNNING = re.compile(r"node: (\d+) \(.*\) running, pid")
RE_PARENT_UP = re.compile(r"link (\d+): parent up")
RE_CHILD_UP = re.compile(r"link (\S+): (township|village|inspector) up")
RE_PARENT_DOWN = re.compile(r"link (\S+): parent down")
RE_CHILD_GONE = re.compile(r"link (\S+): child gone")


class BenchError(Exception):
    """A benchmark could not be carried out; the message says why."""


def role_of(node_id):
    return {6: "county", 9: "township", 12: "village"}[len(node_id)]


def parent_of(node_id):
    return {6: None, 9: node_id[:6], 12: node_id[:9]}[len(node_id)]


def plan_ids(townships, villages):
    ids = [COUNTY]
    for t in range(1, townships + 1):
        tid = "%s%03d" % (COUNTY, t)
        ids.append(tid)
        ids.extend("%s%03d" % (tid, v) for v in range(1, villages + 1))
    return ids


# ---------------------------------------------------------------- statistics

def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(1, min(len(v), int(p / 100.0 * len(v) + 0.999999)))
    return v[k - 1]


def summary(values):
    """{median, min, max, n} of a list (empty: n = 0)."""
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": statistics.median(values), "min": min(values),
            "max": max(values), "p90": pct(values, 90), "p99": pct(values, 99)}


def fmt(x, digits=1):
    return "-" if x is None else ("%.*f" % (digits, x))


# ---------------------------------------------------------------- the machine

def machine():
    """What docs/benchmarks.md records about the machine a result came from."""
    info = {"date_utc": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "kernel": platform.release(), "nproc": os.cpu_count(),
            "python": platform.python_version()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Hypervisor vendor", "Thread(s) per core"):
                info["lscpu " + k.strip()] = v.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_gib"] = round(int(line.split()[1]) / 1048576, 1)
    except OSError:
        pass
    info["loadavg_at_start"] = loadavg()
    return info


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def _disk_ticks():
    """Sum of io_ticks (ms the device was busy) of the virtio/scsi/nvme disks."""
    total = 0
    try:
        with open("/proc/diskstats") as f:
            for line in f:
                p = line.split()
                if len(p) > 12 and re.fullmatch(r"(vd|sd|xvd)[a-z]+|nvme\d+n\d+", p[2]):
                    total += int(p[12])
    except (OSError, ValueError):
        pass
    return total


def machine_busy(seconds=1.0):
    """(CPU, disk) busy fractions (0..1) over the next `seconds`: all CPUs from
    /proc/stat, the disks' io_ticks from /proc/diskstats."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v), idle, _disk_ticks(), time.monotonic()
    t0, i0, d0, m0 = sample()
    time.sleep(seconds)
    t1, i1, d1, m1 = sample()
    return 1.0 - (i1 - i0) / max(1, t1 - t0), min(1.0, (d1 - d0) / 1000.0 / max(1e-3, m1 - m0))


def wait_quiet(max_busy=0.25, max_wait=600.0):
    """Waits (polling, at most max_wait seconds) until the machine is quiet:
    under max_busy of all CPUs and under max_busy of the disk's time busy over
    one second (colleagues' builds and tests share this machine). Returns
    {"cpu", "disk"} as last seen; the benchmarks record it with their results."""
    deadline = time.monotonic() + max_wait
    cpu, disk = machine_busy()
    for _ in range(10000):
        if (cpu < max_busy and disk < max_busy) or time.monotonic() > deadline:
            break
        time.sleep(2.0)
        cpu, disk = machine_busy()
    if cpu >= max_busy or disk >= max_busy:
        log("machine still busy (CPU %.0f%%, disk %.0f%%) after %.0f s: measuring anyway" % (
            cpu * 100, disk * 100, max_wait))
    return {"cpu": round(cpu, 3), "disk": round(disk, 3)}


def raise_nofile(want=16384):
    """Raises the soft open-files limit (this process and its children) toward want."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if new > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------- /proc

def proc_mem(pid):
    """VmRSS, VmHWM, RssAnon, RssFile (KiB) from status; Pss, Private (KiB) from smaps_rollup."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    out[k] = int(v.split()[0])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            priv = 0
            for line in f:
                k, _, v = line.partition(":")
                if k == "Pss":
                    out["Pss"] = int(v.split()[0])
                elif k in ("Private_Clean", "Private_Dirty"):
                    priv += int(v.split()[0])
            out["Private"] = priv
    except (OSError, ValueError, IndexError):
        return None
    return out


def _smaps_by_mapping(pid, fields):
    """{what: [KiB of each of fields]} from /proc/PID/smaps: a file's mappings
    summed under its base name, anonymous memory under [anon]/[heap]/[stack];
    None if the process is gone."""
    sums = {}
    name = None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                parts = line.split()
                if parts and "-" in parts[0] and len(parts) >= 5 and ":" not in parts[0]:
                    name = os.path.basename(parts[5]) if len(parts) >= 6 else "[anon]"
                elif parts and name and parts[0][:-1] in fields:
                    sums.setdefault(name, [0] * len(fields))[fields.index(parts[0][:-1])] += \
                        int(parts[1])
    except (OSError, ValueError, IndexError):
        return None
    return sums


def proc_rss_by_mapping(pid, top=8):
    """[(KiB, what)] of the largest resident mappings of a process."""
    sums = _smaps_by_mapping(pid, ("Rss",)) or {}
    return sorted(((v[0], n) for n, v in sums.items() if v[0]), reverse=True)[:top]


def proc_pss_by_mapping(pid, top=10):
    """[(Pss KiB, Private_Dirty KiB, what)] of the largest mappings of a
    process by Pss."""
    sums = _smaps_by_mapping(pid, ("Pss", "Private_Dirty")) or {}
    return sorted(((v[0], v[1], n) for n, v in sums.items() if v[0]), reverse=True)[:top]


def proc_cpu_split(pid):
    """(utime, stime) of a live process, in seconds (None if gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tck, int(fields[12]) / tck
    except (OSError, ValueError, IndexError):
        return None


def proc_cpu(pid):
    """utime + stime of a live process, in seconds (None if gone)."""
    s = proc_cpu_split(pid)
    return None if s is None else s[0] + s[1]


# ---------------------------------------------------------------- running commands

def run(argv, timeout=60, check=True):
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BenchError("%s did not finish within %d s" % (" ".join(argv), timeout)) from e
    if check and r.returncode != 0:
        raise BenchError("%s exited %d:\n%s%s" % (" ".join(argv), r.returncode, r.stdout,
                                                   r.stderr))
    return r


def run_json(argv, timeout=60, check=True):
    r = run(argv, timeout, check)
    try:
        return json.loads(r.stdout), r.returncode
    except ValueError as e:
        raise BenchError("%s printed no JSON (exit %d):\n%s%s" % (
            " ".join(argv), r.returncode, r.stdout, r.stderr)) from e


# ---------------------------------------------------------------- log reader

class LogReader:
    """One thread reading the stderr pipes of nodes: every complete line is
    written to the node's log file and, if it is a link event, recorded as
    (monotonic time, kind, subject) in events[node_id]."""

    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.events = {}   # id -> [(t, kind, subject)]
        self.partial = {}  # id -> bytes
        self.files = {}    # id -> log file
        self.stop_flag = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def add(self, node_id, pipe, log):
        with self.lock:
            self.events.setdefault(node_id, [])
            self.partial[node_id] = b""
            self.files[node_id] = log
            os.set_blocking(pipe.fileno(), False)
            self.sel.register(pipe, selectors.EVENT_READ, node_id)

    def _line(self, node_id, t, line):
        text = line.decode("utf-8", "replace")
        for rx, kind in ((RE_PARENT_UP, "parent_up"), (RE_CHILD_UP, "child_up"),
                         (RE_RUNNING, "running"), (RE_PARENT_DOWN, "parent_down"),
                         (RE_CHILD_GONE, "child_gone")):
            m = rx.search(text)
            if m:
                self.events[node_id].append((t, kind, m.group(1)))
                break

    def _loop(self):
        # Bounded by the stop flag (cleanup sets it) and a 24 h cap.
        deadline = time.monotonic() + 86400
        while not self.stop_flag and time.monotonic() < deadline:
            # epoll registration from add() is safe while this thread waits here
            try:
                ready = self.sel.select(timeout=0.05)
            except (ValueError, OSError):
                ready = []
            for key, _ in ready:
                t = time.monotonic()
                node_id = key.data
                try:
                    data = os.read(key.fileobj.fileno(), 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                with self.lock:
                    if not data:
                        try:
                            self.sel.unregister(key.fileobj)
                        except (KeyError, ValueError):
                            pass
                        key.fileobj.close()
                        continue
                    f = self.files.get(node_id)
                    if f:
                        try:
                            f.write(data)
                        except (ValueError, OSError):  # closed by a restart
                            self.files.pop(node_id, None)
                    buf = self.partial.get(node_id, b"") + data
                    *lines, rest = buf.split(b"\n")
                    self.partial[node_id] = rest
                    for line in lines:
                        self._line(node_id, t, line)

    def first(self, node_id, kind, subject=None, after=0.0):
        with self.lock:
            for t, k, s in self.events.get(node_id, []):
                if k == kind and t >= after and (subject is None or s == subject):
                    return t
        return None

    def count(self, kind, after=0.0):
        with self.lock:
            return sum(1 for evs in self.events.values() for t, k, _ in evs
                       if k == kind and t >= after)

    def close(self):
        self.stop_flag = True
        self.thread.join(5)
        with self.lock:
            for key in list(self.sel.get_map().values()):
                try:
                    key.fileobj.close()
                except OSError:
                    pass
            self.sel.close()


# ---------------------------------------------------------------- the network

class BenchNet:
    def __init__(self, carenet, base=None, keep=False):
        self.carenet = os.path.abspath(carenet)
        # Short path: control sockets live in DIR/<id>/data (unix socket paths <= 107 bytes).
        self.top = tempfile.mkdtemp(prefix="cnb-", dir=base or "/tmp")
        self.dir = os.path.join(self.top, "net")
        self.keep = keep
        self.ids = []
        self.procs = {}     # id -> Popen
        self.spawned = {}   # id -> monotonic time just before Popen
        self.logs = {}
        self.reader = None

    def cfg(self, node_id):
        return os.path.join(self.dir, node_id, "node.cfg")

    def data_dir(self, node_id):
        return os.path.join(self.dir, node_id, "data")

    def setup(self, townships, villages, extra_cfg=""):
        t0 = time.monotonic()
        run([self.carenet, "demo", "--setup-only", "--dir", self.dir, "--townships",
             str(townships), "--villages", str(villages)], timeout=600)
        self.ids = plan_ids(townships, villages)
        for i in self.ids:
            if not os.path.isfile(self.cfg(i)):
                raise BenchError("demo --setup-only wrote no %s" % self.cfg(i))
            if extra_cfg:
                with open(self.cfg(i), "a") as f:
                    f.write(extra_cfg)
        return time.monotonic() - t0

    def children_of(self, node_id):
        return [i for i in self.ids if parent_of(i) == node_id]

    # ---- processes
    def start(self, node_id, piped=False):
        p = self.procs.get(node_id)
        if p is not None and p.poll() is None:
            raise BenchError("start(%s): already running" % node_id)
        log = open(os.path.join(self.dir, node_id, "node.log"), "ab")
        if node_id in self.logs:
            self.logs[node_id].close()
        self.logs[node_id] = log
        if piped and self.reader is None:
            self.reader = LogReader()
        self.spawned[node_id] = time.monotonic()
        p = subprocess.Popen([self.carenet, "run", "-c", self.cfg(node_id)],
                             stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.PIPE if piped else log,
                             start_new_session=True)
        self.procs[node_id] = p
        if piped:
            self.reader.add(node_id, p.stderr, log)
        return p

    def start_all(self, ids=None, piped=False):
        for i in ids or self.ids:
            self.start(i, piped)

    def pid(self, node_id):
        p = self.procs.get(node_id)
        return p.pid if p is not None and p.poll() is None else None

    def stop(self, node_id, timeout=15):
        p = self.procs.get(node_id)
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
            raise BenchError("%s did not stop within %d s of SIGTERM" % (node_id, timeout))

    def stop_all(self, timeout=20):
        """SIGTERM to every live node at once, then SIGKILL after timeout.
        Returns the ids that had to be killed."""
        live = {i: p for i, p in self.procs.items() if p.poll() is None}
        for p in live.values():
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        killed = []
        for i, p in live.items():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
                killed.append(i)
        return killed

    def dead(self):
        return [i for i, p in self.procs.items() if p.poll() is not None]

    def cleanup(self):
        killed = []
        try:
            killed = self.stop_all()
        finally:
            if self.reader:
                self.reader.close()
                self.reader = None
            for f in self.logs.values():
                f.close()
            self.logs.clear()
            if not self.keep:
                subprocess.run(["rm", "-rf", "--", self.top], timeout=300)
        return killed

    # ---- observation through the CLI (what an operator sees)
    def status(self, node_id):
        r = run([self.carenet, "status", "-c", self.cfg(node_id), "--json"], timeout=20,
                check=False)
        if r.returncode == EXIT_UNREACH and ("not running" in r.stderr or
                                             "did not answer" in r.stderr):
            return None
        if r.returncode != 0:
            raise BenchError("status of %s exited %d: %s" % (node_id, r.returncode, r.stderr))
        return json.loads(r.stdout)

    def link_problems(self, ids=None):
        """[] when every node answers, sees its parent up and lists exactly
        its direct children as up (through `carenet status --json`)."""
        problems = []
        for i in ids or self.ids:
            st = self.status(i)
            if st is None:
                problems.append("%s not reachable" % i)
                continue
            par, want = st.get("parent"), parent_of(i)
            if want and (not isinstance(par, dict) or par.get("id") != want
                         or par.get("state") != "up"):
                problems.append("%s: parent %s not up (%r)" % (i, want, par))
            up = sorted(c.get("id") for c in st.get("children", []) if c.get("state") == "up")
            if up != sorted(self.children_of(i)):
                problems.append("%s: children up %s, expected %s" % (
                    i, up, sorted(self.children_of(i))))
        return problems

    def wait_links_up(self, timeout=120):
        """Polls status --json of every node until all links are up."""
        deadline = time.monotonic() + timeout
        problems = ["never checked"]
        for _ in range(100000):
            dead = self.dead()
            if dead:
                raise BenchError("node(s) exited: %s" % ", ".join(dead))
            problems = self.link_problems()
            if not problems or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if problems:
            raise BenchError("links not up after %d s: %s" % (timeout, "; ".join(problems[:10])))
        return time.monotonic()

    def counter(self, node_id, name):
        st = self.status(node_id)
        if not st:
            raise BenchError("%s not reachable" % node_id)
        return st["counters"][name]

    def memory(self, ids=None):
        """{id: proc_mem(pid)} of the running nodes."""
        out = {}
        for i in ids or self.ids:
            pid = self.pid(i)
            if pid:
                m = proc_mem(pid)
                if m:
                    out[i] = m
        return out


def mem_by_role(mem):
    """Per role: median and max of VmRSS and VmHWM (MiB); sums over all nodes (MiB)."""
    out = {}
    for role in ("county", "township", "village"):
        ms = [m for i, m in mem.items() if role_of(i) == role]
        if not ms:
            continue
        out[role] = {"n": len(ms)}
        for k in ("VmRSS", "VmHWM", "Pss", "RssAnon", "Private"):
            vals = [m[k] / 1024.0 for m in ms if k in m]
            if vals:
                out[role][k] = {"median": statistics.median(vals), "max": max(vals)}
    out["sum"] = {k: sum(m.get(k, 0) for m in mem.values()) / 1024.0
                  for k in ("VmRSS", "VmHWM", "Pss", "RssAnon", "Private")}
    out["n"] = len(mem)
    return out


def common_args(ap):
    ap.add_argument("--carenet", required=True, help="path of the carenet binary")
    ap.add_argument("--probe", help="path of carenet-probe")
    ap.add_argument("--drive", help="path of bench_drive (default: next to --carenet)")
    ap.add_argument("--json", help="write the results to this file as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the network directories")
    ap.add_argument("--base", default="/tmp",
                    help="where to make the network directories (a disk, not tmpfs; short path)")
    ap.add_argument("--quiet", type=float, default=0.25,
                    help="before each run, wait until under this fraction of all CPUs is busy "
                         "(default 0.25; 1 = never wait)")
    ap.add_argument("--quiet-wait", type=float, default=600.0,
                    help="longest wait for a quiet machine, seconds (default 600)")


def drive_path(args):
    p = args.drive or os.path.join(os.path.dirname(os.path.abspath(args.carenet)), "bench_drive")
    if not os.access(p, os.X_OK):
        raise BenchError("bench_drive not found at %s (build it, or pass --drive)" % p)
    return p


def write_json(path, obj):
    if path:
        with open(path, "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
            f.write("\n")


def log(*a):
    print(*a, file=sys.stderr, flush=True)
