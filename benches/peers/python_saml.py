"""Validates every response in a directory with python3-saml, in one process on one core,
judging them at the instant settings.json gives. Prints {"count", "valid", "seconds"} as JSON.

    python python_saml.py DATA_DIR
"""

import base64
import calendar
import json
import pathlib
import sys
import time
from datetime import datetime

from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

data = pathlib.Path(sys.argv[1])
cfg = json.loads((data / "settings.json").read_text())
cert = "".join(
    line
    for line in (data / "idp-cert.pem").read_text().splitlines()
    if not line.startswith("-----")
)
judge_at = calendar.timegm(datetime.fromisoformat(cfg["judge_at"]).utctimetuple())
# The same instant samlbridge is given with --now.
OneLogin_Saml2_Utils.now = staticmethod(lambda: judge_at)

settings = OneLogin_Saml2_Settings(
    {
        "strict": True,
        "sp": {
            "entityId": cfg["audience"],
            "assertionConsumerService": {
                "url": cfg["acs"],
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            },
        },
        "idp": {
            "entityId": cfg["issuer"],
            "singleSignOnService": {
                "url": "https://login.microsoftonline.com/saml2",
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            },
            "x509cert": cert,
        },
        # What the shape signs is what is required: python3-saml then checks each signature there.
        "security": {
            "wantAssertionsSigned": cfg.get("signing", "assertion") != "response",
            "wantMessagesSigned": cfg.get("signing", "assertion") != "assertion",
            "rejectDeprecatedAlgorithm": True,
            # The shape without attributes is valid for Identity Center, which needs only the NameID.
            "wantAttributeStatement": False,
        },
    },
    sp_validation_only=True,
)
acs = cfg["acs"].removeprefix("https://")
host, path = acs.split("/", 1)
request = {"https": "on", "http_host": host, "script_name": "/" + path, "server_port": 443}

# The form field's value, as a browser posts it: files of the base64 shape already hold it.
encoded = [
    p.read_bytes().strip() if cfg.get("encoding") == "base64" else base64.b64encode(p.read_bytes())
    for p in sorted((data / "responses").iterdir())
]
valid = 0
start = time.perf_counter()
for b64 in encoded:
    if OneLogin_Saml2_Response(settings, b64).is_valid(request):
        valid += 1
seconds = time.perf_counter() - start
print(json.dumps({"count": len(encoded), "valid": valid, "seconds": seconds}))
