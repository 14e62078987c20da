#!/usr/bin/env python3
"""Time and peak memory of `samlbridge preflight` on a tenant of 50,000 assigned users and an
Identity Center of 50,000 users (saved exports, so only the join and the report are measured),
with the same join done by a few lines of Python dictionaries beside it as the floor to
compare with.

    cargo build --release && python3 benches/preflight.py [USERS]

Half the users are assigned directly, half through 50 groups; one in a hundred has a problem
(no Identity Center user, a user name in another letter case, no mail), so the report has
something to say about a thousand users.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "target/release/samlbridge"
N = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
GROUPS = 50


def guid(kind, i):
    return f"{kind:08x}-0000-4000-8000-{i:012x}"


def write_exports(root):
    entra = root / "entra"
    aws = root / "aws"
    entra.mkdir()
    aws.mkdir()
    users, assigned, members, ic_users = [], [], {}, []
    for g in range(GROUPS):
        gid = guid(2, g)
        assigned.append({"principalId": gid, "principalType": "Group", "principalDisplayName": f"AWS group {g}"})
        members[gid] = {"value": []}
    for i in range(N):
        uid = guid(1, i)
        upn = f"user{i}@contoso.example"
        users.append({"id": uid, "userPrincipalName": upn, "mail": None if i % 100 == 7 else upn,
                      "givenName": "Given", "surname": f"Sur{i}", "displayName": f"User {i}",
                      "userType": "Member"})
        if i % 2:
            assigned.append({"principalId": uid, "principalType": "User", "principalDisplayName": f"User {i}"})
        else:
            members[guid(2, i % GROUPS)]["value"].append(
                {"@odata.type": "#microsoft.graph.user", "id": uid, "displayName": f"User {i}"})
        if i % 100 == 3:
            continue  # not provisioned
        name = upn.upper() if i % 100 == 5 else upn
        ic_users.append({"UserId": guid(3, i), "UserName": name, "IdentityStoreId": "d-1234567890",
                         "ExternalIds": [{"Issuer": "https://scim.aws.com/test", "Id": uid}],
                         "Name": {"GivenName": "Given", "FamilyName": f"Sur{i}"},
                         "DisplayName": f"User {i}", "Emails": [{"Value": upn, "Primary": True}]})
    (entra / "users.json").write_text(json.dumps({"value": users}))
    (entra / "appRoleAssignedTo.json").write_text(json.dumps({"value": assigned}))
    (entra / "groupMembers.json").write_text(json.dumps(members))
    (aws / "list-instances.json").write_text(json.dumps({"Instances": [
        {"InstanceArn": "arn:aws:sso:::instance/ssoins-1234567890abcdef", "IdentityStoreId": "d-1234567890"}]}))
    (aws / "list-users.json").write_text(json.dumps({"Users": ic_users}))
    return entra, aws


def measure(args):
    """Seconds and peak MiB of the child alone (GNU time), and its exit code."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    peak_kib = int(out.stderr.decode(errors="replace").strip().splitlines()[-1])
    return out.returncode, seconds, peak_kib / 1024


PEER = r"""
import json, sys
entra, aws = sys.argv[1], sys.argv[2]
users = {u["id"]: u for u in json.load(open(entra + "/users.json"))["value"]}
members = json.load(open(entra + "/groupMembers.json"))
assigned = {}
for a in json.load(open(entra + "/appRoleAssignedTo.json"))["value"]:
    if a["principalType"] == "User":
        assigned[a["principalId"]] = "direct"
    else:
        for m in members.get(a["principalId"], {}).get("value", []):
            assigned.setdefault(m["id"], a["principalDisplayName"])
ic = json.load(open(aws + "/list-users.json"))["Users"]
by_name = {u["UserName"]: u for u in ic}
by_folded = {u["UserName"].lower(): u for u in ic}
by_ext = {e["Id"]: u for u in ic for e in u.get("ExternalIds", [])}
problems = []
for uid in assigned:
    name = users[uid]["userPrincipalName"]
    if name in by_name:
        continue
    problems.append((uid, "case" if name.lower() in by_folded else "ext" if uid in by_ext else "missing"))
json.dump(problems, sys.stdout)
"""


def main():
    if not BIN.exists():
        sys.exit(f"build first: cargo build --release ({BIN} is missing)")
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        entra, aws = write_exports(root)
        sizes = sum(f.stat().st_size for d in (entra, aws) for f in d.iterdir())
        print(f"{N} assigned users, {N - N // 100} Identity Center users, {sizes / 2**20:.1f} MiB of exports")
        # One core, as the target says.
        pin = ["taskset", "-c", "0"] if subprocess.run(["which", "taskset"], capture_output=True).returncode == 0 else []
        args = pin + [str(BIN), "preflight", "--entra", str(entra), "--aws", str(aws), "--format", "json", "--quiet"]
        runs = [measure(args) for _ in range(3)]
        code = runs[0][0]
        best = min(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        print(f"samlbridge preflight: {best:.2f} s (best of 3), peak {peak:.0f} MiB, exit {code}")
        peer = root / "peer.py"
        peer.write_text(PEER)
        peer_runs = [measure(pin + [sys.executable, str(peer), str(entra), str(aws)]) for _ in range(3)]
        peer_best = min(r[1] for r in peer_runs)
        peer_peak = max(r[2] for r in peer_runs)
        print(f"Python dictionary join (no checks, no report): {peer_best:.2f} s, peak {peer_peak:.0f} MiB")
        print(f"ratio samlbridge / Python join: {best / peer_best:.2f}x time, {peak / peer_peak:.2f}x memory")
        if code not in (0, 1):
            sys.exit("samlbridge could not read the exports")


if __name__ == "__main__":
    main()
