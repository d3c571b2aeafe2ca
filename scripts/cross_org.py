#!/usr/bin/env python3
"""Object-level authorisation between client organisations, swept over the whole API.

    scripts/cross_org.py BASE_URL PASSWORD

Run by scripts/fuzz-api.sh against a server holding `certbody demo`'s sample. Each of two
clients (Acme and Globex) lists what it may see; then every `GET` of the API description
whose path names one record (`/…/{id}…`) is asked for each of those records as the owner,
as the other client and as a relying party. The owner must get some of them (or the sweep
would prove nothing); the others must never get a 2xx. Exits 1 on any leak.
"""

import json
import sys
import urllib.error
import urllib.request

LISTS = {  # the first path segment of a record, and where a client lists its own
    "applications": "/api/v1/applications",
    "audits": "/api/v1/audits",
    "nonconformities": "/api/v1/nonconformities",
    "certificates": "/api/v1/certificates",
    "appeals": "/api/v1/appeals",
}


def get(base, path, token, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("authorization", f"Bearer {token}")
    if data:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw[:1] in (b"{", b"[") else None
    except urllib.error.HTTPError as error:
        return error.code, None


def sign_in(base, email, password):
    request = urllib.request.Request(
        base + "/api/v1/auth/token", method="POST",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def records(base, token):
    """The ids a client sees, by kind, and its organisation's."""
    seen = {}
    for kind, path in LISTS.items():
        status, page = get(base, f"{path}?limit=200", token)
        seen[kind] = [item["id"] for item in (page or {}).get("items", [])] if status == 200 else []
    status, me = get(base, "/api/v1/me", token)
    organisation = (me or {}).get("organisation") or {}
    seen["organisations"] = [organisation["id"]] if "id" in organisation else []
    return seen


def main():
    base, password = sys.argv[1].rstrip("/"), sys.argv[2]
    tokens = {name: sign_in(base, f"{email}", password) for name, email in [
        ("acme", "quality@acme.example"), ("globex", "quality@globex.example"),
        ("relying party", "buyer@procurement.example")]}
    with urllib.request.urlopen(base + "/openapi.json", timeout=30) as response:
        paths = json.loads(response.read())["paths"]
    templates = [p for p, item in paths.items()
                 if "get" in item and "/public/" not in p and p.count("{") == 1
                 and p.split("/")[3] in list(LISTS) + ["organisations"] and "/{id}" in p]
    owners = {name: records(base, tokens[name]) for name in ("acme", "globex")}
    asked, owned, leaks = 0, 0, []
    for owner, others in (("acme", ("globex", "relying party")), ("globex", ("acme", "relying party"))):
        for template in templates:
            kind = template.split("/")[3]
            for record in owners[owner][kind]:
                path = template.replace("{id}", record)
                status, _ = get(base, path, tokens[owner])
                owned += 200 <= status < 300
                for other in others:
                    asked += 1
                    status, _ = get(base, path, tokens[other])
                    if 200 <= status < 300:
                        leaks.append(f"{other} read {owner}'s {path}: {status}")
    print(f"cross-organisation sweep: {len(templates)} paths, {owned} owner reads answered, "
          f"{asked} reads by another client or a relying party, {len(leaks)} answered")
    for leak in leaks[:20]:
        print("  LEAK:", leak)
    if leaks or owned == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
