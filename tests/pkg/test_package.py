#!/usr/bin/env python3
"""The Debian package: built with CPack from the build tree, its control
fields and file list checked, linted by lintian (errors and warnings fail;
overrides in dist/lintian-overrides say why), and unpacked into a scratch
root (never the host's): the binary runs, the man pages and completion are
there, the sysusers/tmpfiles files make the carenet user and 0700
directories (systemd-sysusers/-tmpfiles --root), and systemd-analyze
verifies the units. Exit 77 (ctest: skipped) when dpkg-deb or lintian is
missing: scripts/setup.sh --test installs them.
"""

import argparse
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

SKIP = 77


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    check(r.returncode == 0, "%s: exit %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout,
                                                    r.stderr))
    return r.stdout


# Every file the package holds (directories aside), and its mode.
def expected_files(man_pages):
    files = {
        "usr/bin/carenet": 0o755,
        "usr/lib/systemd/system/carenet.service": 0o644,
        "usr/lib/systemd/system/carenet@.service": 0o644,
        "usr/lib/systemd/system/carenet-crl.service": 0o644,
        "usr/lib/systemd/system/carenet-crl.timer": 0o644,
        "usr/lib/systemd/system/carenet-web.service": 0o644,
        "usr/lib/systemd/system/carenet-web@.service": 0o644,
        "usr/lib/sysusers.d/carenet.conf": 0o644,
        "usr/lib/tmpfiles.d/carenet.conf": 0o644,
        "usr/share/bash-completion/completions/carenet": 0o644,
        "usr/share/doc/carenet/README.md": 0o644,
        "usr/share/doc/carenet/certs.md": 0o644,
        "usr/share/doc/carenet/config.md": 0o644,
        "usr/share/doc/carenet/changelog.gz": 0o644,
        "usr/share/doc/carenet/copyright": 0o644,
        "usr/share/doc/carenet/examples/node.cfg.sample": 0o644,
        "usr/share/lintian/overrides/carenet": 0o644,
        "usr/share/carenet/standards/mca-2018-demo.cfg": 0o644,
        "usr/share/carenet/standards/yunnan-2018-demo.cfg": 0o644,
        "usr/share/carenet/standards/yunnan-2018-plan.cfg": 0o644,
    }
    for m in man_pages:
        files[m] = 0o644
    return files


def build(build_dir, out):
    run(["cpack", "--config", os.path.join(build_dir, "CPackConfig.cmake"), "-B", out])
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    check(len(debs) == 1, "cpack made %s" % debs)
    return os.path.join(out, debs[0])


def check_control(deb, version):
    arch = run(["dpkg", "--print-architecture"]).strip()
    check(os.path.basename(deb) == "carenet_%s_%s.deb" % (version, arch),
          "file name %s" % os.path.basename(deb))
    info = run(["dpkg-deb", "-I", deb])
    fields = dict(re.findall(r"^ (\w[\w-]*): (.*)$", info, re.M))
    check(fields.get("Package") == "carenet", "Package: %s" % fields.get("Package"))
    check(fields.get("Version") == version, "Version: %s" % fields.get("Version"))
    check(fields.get("Architecture") == arch, "Architecture: %s" % fields.get("Architecture"))
    for lib in ("libzmq5", "liblmdb0", "libssl3", "libconfig9", "libprotobuf-c1", "libc6"):
        check(lib in fields.get("Depends", ""), "Depends lacks %s: %s" % (lib, fields))
    for script in ("postinst", "prerm", "postrm"):
        check(re.search(r"\*\s+%s\s" % script, info), "%s missing or not executable" % script)


def check_contents(deb, man_pages):
    listing = run(["dpkg-deb", "-c", deb])
    got = {}
    for line in listing.splitlines():
        mode, owner, _size, _d, _t, path = line.split(None, 5)
        check(owner == "root/root", "%s owned by %s" % (path, owner))
        if not mode.startswith("d"):
            bits = sum(0o400 >> i for i, c in enumerate(mode[1:10]) if c != "-")
            got[path[2:]] = bits
    want = expected_files(man_pages)
    check(got == want, "contents differ:\n  missing %s\n  extra %s\n  modes %s" % (
        sorted(set(want) - set(got)), sorted(set(got) - set(want)),
        sorted(p for p in want if p in got and want[p] != got[p])))


def lint(deb):
    r = subprocess.run(["lintian", "--fail-on", "error,warning", "--no-tag-display-limit", deb],
                       capture_output=True, text=True)
    tags = [ln for ln in r.stdout.splitlines() if re.match(r"[EW]: ", ln)]
    check(r.returncode == 0 and not tags, "lintian:\n%s%s" % (r.stdout, r.stderr))


def check_tree(deb, root, version):
    run(["dpkg-deb", "-x", deb, root])
    out = run([os.path.join(root, "usr/bin/carenet"), "--version"])
    check(out.strip() == "carenet " + version, "carenet --version: %r" % out)
    for page in ("man1/carenet.1.gz", "man5/carenet.cfg.5.gz", "man1/carenet-ca.1.gz"):
        with gzip.open(os.path.join(root, "usr/share/man", page), "rt") as f:
            text = f.read()
        check(text.startswith(".TH ") and ".SH" in text, "%s is not a man page" % page)
    check_completion(root)


COMPLETE = """
source "$1"
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _carenet; echo "${COMPREPLY[*]}"; }
t carenet stat
t carenet ca is
t carenet status --js
t carenet --operator bob dir
t carenet directive issue --t
"""


def check_completion(root):
    """The installed completion, with the unpacked binary on PATH: commands,
    a group's commands, a command's options (what carenet help --words says)."""
    env = dict(os.environ, PATH=os.path.join(root, "usr/bin") + ":" + os.environ["PATH"])
    out = run(["bash", "-c", COMPLETE, "complete",
               os.path.join(root, "usr/share/bash-completion/completions/carenet")], env=env)
    want = ["status", "issue", "--json", "directive", "--to --title"]
    check(out.splitlines() == want, "completion gave %r, wanted %r" % (out.splitlines(), want))


def check_accounts(root):
    """The sysusers and tmpfiles files, applied to the scratch root."""
    if not shutil.which("systemd-sysusers") or not shutil.which("systemd-tmpfiles"):
        print("note: systemd-sysusers/-tmpfiles absent: accounts not checked")
        return
    if os.geteuid() != 0:
        print("note: not root: the directories' owner is not checked")
        return
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    run(["systemd-sysusers", "--root", root, os.path.join(root, "usr/lib/sysusers.d/carenet.conf")])
    users = {ln.split(":")[0]: ln.split(":") for ln in open(os.path.join(root, "etc/passwd"))}
    check("carenet" in users, "no carenet user in ROOT/etc/passwd")
    u = users["carenet"]
    check(int(u[2]) < 1000 and u[5] == "/var/lib/carenet" and u[6].strip() == "/usr/sbin/nologin",
          "carenet user: %s" % u)
    run(["systemd-tmpfiles", "--create", "--root", root,
         os.path.join(root, "usr/lib/tmpfiles.d/carenet.conf")])
    for d in ("etc/carenet", "var/lib/carenet"):
        st = os.stat(os.path.join(root, d))
        check(stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == int(u[2]),
              "%s: mode %o uid %d" % (d, stat.S_IMODE(st.st_mode), st.st_uid))


def verify_units(root, tmp):
    """systemd-analyze verify: errors, and warnings such as an unknown key
    (printed, exit 0), fail. The units are copied with ExecStart naming the
    unpacked binary (verify wants it to exist); the template as an instance."""
    if not shutil.which("systemd-analyze"):
        print("note: systemd-analyze absent: units not verified")
        return
    src, dst = os.path.join(root, "usr/lib/systemd/system"), os.path.join(tmp, "units")
    os.makedirs(dst)
    names = {"carenet.service": "carenet.service", "carenet@.service": "carenet@east.service",
             "carenet-crl.service": "carenet-crl.service", "carenet-crl.timer": "carenet-crl.timer",
             "carenet-web.service": "carenet-web.service",
             "carenet-web@.service": "carenet-web@east.service"}
    for name, as_name in names.items():
        text = open(os.path.join(src, name)).read()
        with open(os.path.join(dst, as_name), "w") as f:
            f.write(text.replace("/usr/bin/carenet", os.path.join(root, "usr/bin/carenet")))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no"] + sorted(names.values()),
                       capture_output=True, text=True, cwd=dst)
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
          "systemd-analyze verify:\n%s%s" % (r.stdout, r.stderr))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--carenet", required=True)
    args = ap.parse_args()
    for tool in ("cpack", "dpkg-deb", "lintian"):
        if not shutil.which(tool):
            print("SKIP: %s not installed (bash scripts/setup.sh --test)" % tool)
            return SKIP
    version = run([args.carenet, "--version"]).split()[1]
    tmp = tempfile.mkdtemp(prefix="cn-pkg-", dir="/tmp")
    try:
        deb = build(os.path.abspath(args.build_dir), os.path.join(tmp, "out"))
        man = sorted("usr/share/man/" + p for p in
                     run([args.carenet, "help", "--man-list"]).split())
        check_control(deb, version)
        check_contents(deb, man)
        lint(deb)
        root = os.path.join(tmp, "root")
        check_tree(deb, root, version)
        check_accounts(root)
        verify_units(root, tmp)
    except Failure as e:
        print("FAIL: %s (files kept in %s)" % (e, tmp), file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
