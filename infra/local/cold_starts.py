"""Cold start of every function's Lambda binary, for `./infra/local/bench cold-start`.

Runs after the demos have driven the recording gateway (GATEWAY_RECORD_EVENTS): first it sends the
requests the demos do not (the admin routes, sign-in, refresh, sign-out, password, invitation, the
Asana and monday webhooks), so that every function has a recorded event it answered; then it replays
each function's event against its release binary with `cold-start` and prints one table row per
function: memory in template.yaml, cold start (exec -> first response, p50 and max), peak resident
memory, and the status it answered.
"""
import argparse, http.cookiejar, json, re, subprocess, sys, urllib.request
from pathlib import Path

BUSINESS = "a0a0a0a0-0000-4000-8000-000000000001"
CLIENT = "a0a0a0a0-0000-4000-8000-000000000202"


def functions(template: Path):
    """(logical id, crate folder, memory MB) of every function, from template.yaml."""
    text = template.read_text()
    globals_memory = int(re.search(r"\nGlobals:\n  Function:\n(?:    .*\n)*?    MemorySize: (\d+)", text).group(1))
    found = []
    for block in re.split(r"\n  (?=\w+Function:\n)", text)[1:]:
        name = block.split(":", 1)[0]
        code = re.search(r"\n      CodeUri: functions/(\S+)", block)
        if not code or block.split("\n", 2)[1].strip() != "Type: AWS::Serverless::Function":
            continue
        memory = re.search(r"\n      MemorySize: (\d+)", block)
        found.append((name, code.group(1), int(memory.group(1)) if memory else globals_memory))
    return found


class Api:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = None

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if self.token:
            req.add_header("authorization", f"Bearer {self.token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=30) as r:
                raw = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        if status >= 500:
            sys.exit(f"{method} {path}: {status} {raw[:300]!r}")
        return status, (json.loads(raw) if raw and raw[:1] in b"{[" else None)


def drive(gateway, email, password):
    """One request to each function the demos left out."""
    api = Api(gateway)
    _, signed_in = api.call("POST", "/api/auth/login", {"email": email, "password": password})
    api.token = signed_in["access_token"]
    b = f"/api/businesses/{BUSINESS}"
    for path in ["", "/agent-config", "/clients", f"/clients/{CLIENT}", f"/clients/{CLIENT}/projects",
                 "/qualification-questions", "/urgency-keywords", "/leads", "/calls", "/users", "/integrations",
                 "/projects"]:
        api.call("GET", b + path)
    _, leads = api.call("GET", b + "/leads")
    for lead in (leads or {}).get("items", [])[:1]:
        api.call("GET", f"{b}/leads/{lead['id']}")
    _, calls = api.call("GET", b + "/calls")
    for c in (calls or {}).get("items", [])[:1]:
        api.call("GET", f"{b}/calls/{c['id']}")
    _, users = api.call("GET", b + "/users")
    others = [u for u in (users or {}).get("users", []) if u.get("email") != email]
    if not others:
        sys.exit("the member user is missing: no one for the user route")
    if others:
        api.call("PATCH", f"{b}/users/{others[0]['id']}", {"role": others[0]["role"]})
    api.call("DELETE", f"{b}/integrations/00000000-0000-4000-8000-000000000000")
    api.call("POST", b + "/agent/sync")
    api.call("GET", "/api/openapi.json")
    token, api.token = api.token, None
    api.call("GET", "/api/health")   # the public liveness answer (the deep check is for platform admins)
    api.token = token
    api.call("POST", "/api/auth/refresh")
    api.call("PUT", "/api/auth/password", {"current_password": "not-the-password", "new_password": "x" * 16})
    api.call("POST", "/api/auth/invitations/accept", {"token": "0" * 43, "password": "y" * 16})
    # Deliveries for an integration that is not connected: refused once the function has looked.
    api.call("POST", "/api/webhooks/asana/00000000-0000-4000-8000-000000000000", {"events": []},
             {"x-hook-signature": "0" * 64})
    api.call("POST", "/api/webhooks/monday/00000000-0000-4000-8000-000000000000",
             {"event": {"type": "update_column_value"}}, {"authorization": "not-a-jwt"})
    api.call("POST", "/api/auth/logout", {})


def measure(root, recorded, runs, template):
    rows = []
    for name, crate, memory in functions(template):
        event = recorded / f"{name}.json"
        if not event.exists():
            sys.exit(f"{name}: no recorded event (the drive did not reach it)")
        out = subprocess.run([str(root / "target/release/cold-start"), str(root / "target/release" / crate),
                              str(event), str(runs)], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{name}: {out.stderr.strip() or out.stdout.strip()}")
        result = dict(kv.split("=", 1) for kv in out.stdout.strip().splitlines()[-1].split()[1:])
        rows.append((crate, memory, result))
    print(f"\n| function | MemorySize | init p50 | exec -> first response p50 | max | peak memory | answered |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for crate, memory, r in rows:
        print(f"| {crate} | {memory} MB | {r['init_p50_ms']} ms | {r['p50_ms']} ms | {r['max_ms']} ms | {r['peak_rss_mib']} MiB | {r['status']} |")
    worst = max(float(r["p50_ms"]) for _, _, r in rows)
    print(f"\n{len(rows)} functions; slowest p50 {worst:.1f} ms")
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gateway", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--recorded", type=Path, required=True)
    p.add_argument("--root", type=Path, required=True)
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    drive(a.gateway, a.email, a.password)
    measure(a.root, a.recorded, a.runs, a.root / "template.yaml")


if __name__ == "__main__":
    main()
