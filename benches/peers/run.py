#!/usr/bin/env python3
"""Peer benchmark: samlbridge against python3-saml, `xmlsec1 --verify` and the OpenSSL floor,
side by side on the same machine and the same responses.

    python3 benches/peers/run.py [--count 2000] [--rounds 3] [--memory 100000]

It builds samlbridge and the test IdP, installs python3-saml from PyPI into target/peers/venv
(once), then, for each response shape (SHAPES below: which element is signed; no attributes,
about 4 KB with the signature and its certificate, Entra's claims, 5 KB, or 120 more, 20 KB;
base64 or XML files), writes COUNT signed Entra-style responses and times:

- samlbridge validate on the whole directory (one process, every rule), --jobs 1 and 2;
- python3-saml's Response.is_valid in one process (one core);
- xmlsec1 --verify, one process per file (as a shell loop would run it), on 200 files;
- `openssl speed rsa2048` verifies (measured once per run): one per response is the floor for
  any validator, and each shape's row gives samlbridge's share of it.

Each tool must accept every response, or the script stops. Rounds alternate the tools and the
median is reported, since these machines are noisy. Last, samlbridge's peak memory on the first
shape over MEMORY responses (the directory given repeatedly) against a tenth of that shows it does not
grow with the number of responses. Needs: cargo, python3 with venv, xmlsec1, openssl, GNU time.
"""

import argparse
import base64
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = ROOT / "target" / "peers"
PYTHON3_SAML = "python3-saml==1.16.0"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build():
    run(["cargo", "build", "--release", "--quiet", "--bin", "samlbridge"], cwd=ROOT)
    run(
        ["cargo", "build", "--release", "--quiet", "-p", "samlbridge-testkit", "--bin", "gen-responses"],
        cwd=ROOT,
    )
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "samlbridge", target / "release" / "gen-responses"


def venv_python():
    venv = WORK / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    probe = subprocess.run([str(python), "-c", "import onelogin.saml2"], capture_output=True)
    if probe.returncode != 0:
        run([str(python), "-m", "pip", "install", "--quiet", PYTHON3_SAML])
    return python


def samlbridge_args(binary, data, jobs, inputs):
    cfg = json.loads((data / "settings.json").read_text())
    return [
        str(binary), "validate", *inputs,
        "--metadata", str(data / "metadata.xml"),
        "--sp-metadata", str(data / "sp-metadata.xml"),
        "--target", "identity-center",
        "--now", cfg["judge_at"],
        "--jobs", str(jobs),
        "--format", "json",
    ]


def time_samlbridge(binary, data, jobs, count):
    args = samlbridge_args(binary, data, jobs, [str(data / "responses")])
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    summary = json.loads(out.stdout)["summary"]
    if out.returncode != 0 or summary["accepted"] != count:
        sys.exit(f"samlbridge did not accept every response: {summary} {out.stderr.decode()}")
    return count / seconds


def time_python_saml(python, data, count):
    out = run(
        [str(python), str(ROOT / "benches" / "peers" / "python_saml.py"), str(data)],
        capture_output=True,
    )
    result = json.loads(out.stdout)
    if result["valid"] != count:
        sys.exit(f"python3-saml did not accept every response: {result}")
    return count / result["seconds"]


def time_xmlsec1(data, files):
    cert = str(data / "idp-cert.pem")
    start = time.perf_counter()
    for f in files:
        out = subprocess.run(
            ["xmlsec1", "--verify", "--pubkey-cert-pem", cert,
             "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
             "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response", str(f)],
            capture_output=True,
        )
        if out.returncode != 0:
            sys.exit(f"xmlsec1 --verify refused {f}: {out.stderr.decode()}")
    return len(files) / (time.perf_counter() - start)


def openssl_verifies_per_second():
    out = run(["openssl", "speed", "-seconds", "3", "rsa2048"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        m = re.match(r"rsa\s+2048 bits\s+\S+\s+\S+\s+\S+\s+(\S+)", line)
        if m:
            return float(m.group(1))
    sys.exit("could not read `openssl speed rsa2048`")


def peak_rss_mib(args):
    """GNU time measures the child alone (one forked from here would count this script too)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    lines = out.stderr.decode(errors="replace").strip().splitlines()
    if out.returncode != 0:
        sys.exit(f"samlbridge failed: {lines}")
    return int(lines[-1]) / 1024


SHAPES = [
    # (name, gen-responses options); the first is Entra's default and the headline.
    ("5 KB, assertion signed, base64", ["--signing", "assertion", "--attributes", "entra", "--base64"]),
    ("5 KB, assertion signed, XML", ["--signing", "assertion", "--attributes", "entra"]),
    ("5 KB, response signed, base64", ["--signing", "response", "--attributes", "entra", "--base64"]),
    ("5 KB, both signed, base64", ["--signing", "both", "--attributes", "entra", "--base64"]),
    ("4 KB (no attributes), assertion signed, base64", ["--signing", "assertion", "--attributes", "none", "--base64"]),
    ("20 KB (120 more), assertion signed, base64", ["--signing", "assertion", "--attributes", "many", "--base64"]),
]


def xml_files(data, files):
    """xmlsec1 reads XML: base64 shapes are decoded into a directory beside the responses."""
    cfg = json.loads((data / "settings.json").read_text())
    if cfg.get("encoding") != "base64":
        return files
    out = data / "xml-for-xmlsec1"
    out.mkdir(exist_ok=True)
    decoded = []
    for f in files:
        target = out / (f.stem + ".xml")
        target.write_bytes(base64.b64decode(f.read_bytes()))
        decoded.append(target)
    return decoded


def measure_shape(name, options, gen, samlbridge, python, count, rounds):
    data = WORK / "data" / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    shutil.rmtree(data, ignore_errors=True)
    run([str(gen), "--count", str(count), "--out", str(data), *options], stdout=subprocess.DEVNULL)
    files = sorted((data / "responses").iterdir())
    xml = xml_files(data, files[:200])
    rates = {"samlbridge --jobs 1": [], "samlbridge --jobs 2": [], "python3-saml": [], "xmlsec1 --verify": []}
    for _ in range(rounds):
        rates["python3-saml"].append(time_python_saml(python, data, count))
        rates["samlbridge --jobs 1"].append(time_samlbridge(samlbridge, data, 1, count))
        rates["samlbridge --jobs 2"].append(time_samlbridge(samlbridge, data, 2, count))
        rates["xmlsec1 --verify"].append(time_xmlsec1(data, xml))
    median = {k: statistics.median(v) for k, v in rates.items()}
    return data, xml[0].stat().st_size, median


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--memory", type=int, default=100_000, help="responses for the memory run (0: skip)")
    p.add_argument("--shapes", type=int, default=len(SHAPES), help="measure only the first N shapes")
    a = p.parse_args()
    for tool in ("xmlsec1", "openssl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (Debian: apt-get install {'xmlsec1' if tool == 'xmlsec1' else 'openssl'})")

    samlbridge, gen = build()
    python = venv_python()
    shutil.rmtree(WORK / "data", ignore_errors=True)
    floor = openssl_verifies_per_second()
    print(f"{a.count} signed Entra-style responses per shape, {os.cpu_count()} cores, median of "
          f"{a.rounds} rounds; responses/s, one process each\n")
    wide = max(len(name) for name, _ in SHAPES) + 2
    header = (f"{'shape':{wide}}{'XML bytes':>10}{'jobs 1':>9}{'jobs 2':>9}{'2/1':>6}"
              f"{'py3-saml':>10}{'vs py':>7}{'xmlsec1':>9}{'floor':>8}")
    print(header)
    first = None
    for name, options in SHAPES[: a.shapes]:
        data, size, median = measure_shape(name, options, gen, samlbridge, python, a.count, a.rounds)
        first = first or data
        one, two = median["samlbridge --jobs 1"], median["samlbridge --jobs 2"]
        print(f"{name:{wide}}{size:10}{one:9.0f}{two:9.0f}{two / one:6.2f}x"
              f"{median['python3-saml']:9.0f}{one / median['python3-saml']:6.1f}x"
              f"{median['xmlsec1 --verify']:9.0f}{one / floor:8.0%}", flush=True)
    print(f"\nfloor: `openssl speed rsa2048`, {floor:.0f} verifies/s on one core; 'floor' is samlbridge "
          f"--jobs 1 as a share of it.\n'vs py' is samlbridge --jobs 1 over python3-saml (one core each); "
          f"xmlsec1 --verify runs one process per file on 200 files.")

    if a.memory:
        repeat = max(1, a.memory // a.count)
        tenth = max(1, repeat // 10)
        small = peak_rss_mib(samlbridge_args(samlbridge, first, 2, [str(first / "responses")] * tenth))
        large = peak_rss_mib(samlbridge_args(samlbridge, first, 2, [str(first / "responses")] * repeat))
        print(f"peak memory ({SHAPES[0][0]}): {small:.1f} MiB over {tenth * a.count} responses, "
              f"{large:.1f} MiB over {repeat * a.count} responses")


if __name__ == "__main__":
    main()
