#!/usr/bin/env python3
"""Time and peak memory of samlbridge on hostile inputs: each must end quickly with a finding
or exit code 2.

    python3 benches/limits.py
"""

import base64
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "testdata"
NOW = "2026-11-27T09:01:00Z"


def measure(args):
    """Exit code, seconds, peak MiB and the last line of stderr. GNU time measures the child
    alone (a child forked from this script would count the script's own memory)."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    lines = out.stderr.decode(errors="replace").strip().splitlines()
    peak_kib = int(lines.pop())
    lines = [l for l in lines if not l.startswith("Command exited with non-zero status")]
    return out.returncode, seconds, peak_kib / 1024, (lines or [""])[-1]


def key_list_metadata(certs):
    """The shipped Entra metadata with its signature's KeyInfo removed and its IDPSSODescriptor
    listing `certs` (DER) as signing certificates: the verifier has only the list to go by, and
    the content no longer matches the signature. The signature namespace is declared once, on
    the root, as samlbridge's parser allows 256 declarations in a document."""
    dsig = "http://www.w3.org/2000/09/xmldsig#"
    xml = (DATA / "metadata/entra-app.xml").read_text(encoding="utf-8-sig")
    xml = re.sub(r"(</SignatureValue>)<KeyInfo>.*?</KeyInfo>", r"\1", xml, count=1, flags=re.S)
    xml = xml.replace(f'<KeyInfo xmlns="{dsig}">', "<ds:KeyInfo>").replace("</KeyInfo>", "</ds:KeyInfo>")
    for name in ("X509Data", "X509Certificate"):
        xml = xml.replace(f"<{name}>", f"<ds:{name}>").replace(f"</{name}>", f"</ds:{name}>")
    xml = xml.replace("<EntityDescriptor ", f'<EntityDescriptor xmlns:ds="{dsig}" ', 1)
    listed = "".join(
        '<KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{base64.b64encode(der).decode()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
        for der in certs
    )
    xml, n = re.subn(r"(<IDPSSODescriptor[^>]*>)<KeyDescriptor .*?</KeyDescriptor>",
                     lambda m: m.group(1) + listed, xml, count=1, flags=re.S)
    assert n == 1
    return xml


def signing_certificate():
    pem = (DATA / "keys/entra-app-active.cert.pem").read_text()
    return base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))


def with_subject(der, i):
    """The certificate with two characters of its subject CN changed: another certificate (its
    issuer signature no longer matches, which nothing checks), the same key."""
    cn = b"Microsoft Azure Federated SSO Certificate"
    at = der.rindex(cn) + len(cn) - 2
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return der[:at] + bytes([alphabet[i // 62 % 62], alphabet[i % 62]]) + der[at + 2:]


def with_key(der, i):
    """The certificate with two bytes of its RSA modulus changed: a distinct public key."""
    at = der.index(b"\x02\x82\x01\x01\x00") + 5 + 100
    return der[:at] + i.to_bytes(2, "big") + der[at + 2:]


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "samlbridge"], cwd=ROOT, check=True)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = str(target / "release" / "samlbridge")
    validate = [binary, "validate", "--metadata", str(DATA / "metadata/entra-app-rollover.xml"),
                "--target", "identity-center", "--sp-metadata", str(DATA / "metadata/identity-center-sp.xml"),
                "--now", NOW, "--format", "json"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        cases = []
        cases.append(("billion laughs", validate + [str(DATA / "responses/invalid/billion-laughs.xml")]))
        (tmp / "huge.b64").write_bytes(b"A" * (50 * 1024 * 1024))
        cases.append(("50 MB base64 blob", validate + [str(tmp / "huge.b64")]))
        (tmp / "deep.xml").write_text("<a>" * 100_000 + "</a>" * 100_000)
        cases.append(("100,000-deep nesting (validate)", validate + [str(tmp / "deep.xml")]))
        cases.append(("100,000-deep nesting (check)", [binary, "check", str(tmp / "deep.xml")]))
        har = json.loads((DATA / "responses/encodings/capture.har").read_text())
        post = next(e for e in har["log"]["entries"] if "SAMLResponse" in json.dumps(e))
        entries = [post] * 10_000
        (tmp / "saml.har").write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
        size = (tmp / "saml.har").stat().st_size / 1e6
        cases.append((f"HAR, 10,000 SAML entries ({size:.0f} MB)", validate + [str(tmp / "saml.har")]))
        wide = "<r>" + "<e/>" * 100_001 + "</r>"
        (tmp / "wide.xml").write_text(wide)
        cases.append(("100,001 elements", validate + [str(tmp / "wide.xml")]))

        xml = (DATA / "responses/valid/idc-assertion-signed.xml").read_text()
        exc = '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        prefixes = " ".join(f"q{i}" for i in range(16))
        opens = "".join(
            f"<n{l} " + " ".join(f'xmlns:d{l}x{i}="urn:{i}"' for i in range(60)) + ">" for l in range(4)
        )
        closes = "".join(f"</n{l}>" for l in reversed(range(4)))
        xml = xml.replace(exc, '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">'
                          '<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" '
                          f'PrefixList="{prefixes}"/></Transform>')
        xml = xml.replace("<Subject>", "<Subject>" + opens + "<b/>" * 99_000 + closes, 1)
        (tmp / "c14n.xml").write_text(xml)
        cases.append(("c14n worst case (16 prefixes, 240 ns, 99k el.)", validate + [str(tmp / "c14n.xml")]))

        signer = signing_certificate()
        (tmp / "copies.xml").write_text(key_list_metadata([signer] * 3000))
        cases.append(("check: signer listed 3,000 times, no KeyInfo", [binary, "check", str(tmp / "copies.xml")]))
        sixteen = [with_subject(with_key(signer, i % 16 + 1) if i % 16 else signer, i) for i in range(3000)]
        (tmp / "sixteen.xml").write_text(key_list_metadata(sixteen))
        cases.append(("check: 3,000 certificates over 16 keys", [binary, "check", str(tmp / "sixteen.xml")]))
        (tmp / "distinct.xml").write_text(key_list_metadata([with_key(signer, i + 1) for i in range(3000)]))
        cases.append(("check: 3,000 distinct keys", [binary, "check", str(tmp / "distinct.xml")]))
        for engine in ("native", "samael"):
            cases.append((f"validate, 3,000 certs/16 keys trusted ({engine})",
                          [a if a != str(DATA / "metadata/entra-app-rollover.xml") else str(tmp / "sixteen.xml")
                           for a in validate] + ["--engine", engine,
                                                 str(DATA / "responses/valid/idc-assertion-signed.xml"),
                                                 str(DATA / "responses/invalid/key-confusion.xml")]))

        print(f"{'input':48} {'exit':>4} {'seconds':>8} {'peak MiB':>9}  last message")
        for name, args in cases:
            code, seconds, rss, message = measure(args)
            print(f"{name:48} {code:4} {seconds:8.2f} {rss:9.1f}  {message[:90]}")


if __name__ == "__main__":
    sys.exit(main())
