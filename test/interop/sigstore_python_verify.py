"""Verifies Sigstore DSSE bundles with sigstore-python, offline, one JSON case per line.

Reads JSON lines {"bundle", "trustedRoot", "identity", "issuer"} on stdin and writes one
JSON line {"verified": bool, "error": str | null} per case: the reference verdict the
real-world interop test compares gatehouse's with.
"""

import json
import sys

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier
from sigstore.verify.policy import Identity

for line in sys.stdin:
    case = json.loads(line)
    try:
        bundle = Bundle.from_json(open(case["bundle"], "rb").read())
        verifier = Verifier(trusted_root=TrustedRoot.from_file(case["trustedRoot"]))
        payload_type, _ = verifier.verify_dsse(bundle, Identity(identity=case["identity"], issuer=case["issuer"]))
        result = {"verified": payload_type == "application/vnd.in-toto+json", "error": None}
    except Exception as error:  # every failure is a verdict here, reported with its message
        result = {"verified": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]}
    print(json.dumps(result), flush=True)
