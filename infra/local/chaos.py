"""Steady traffic through the local stack while ./infra/local/chaos injects faults, then the checks.

Run by ./infra/local/chaos (which starts the stack and the faults); Python's standard library and
boto3 (already in infra/local/.venv for moto). Traffic, all on loopback:
  - initiations at a steady rate, for known clients and new callers: every one must be a 200;
  - whole calls: an initiation, qualification answers, an urgent escalation (email and SMS) for
    one call in three, then ElevenLabs' signed post-call event, delivered twice (the copy at once
    for half of them, concurrently with the first), each retried as ElevenLabs retries until it
    is acknowledged;
  - signed Jira webhook deliveries for the connected site, retried on refusal as Jira does.
Afterwards: the queues are drained, each dead-letter queue is counted and redriven, and the checks
below are printed; the exit status is 1 if any fails.
"""

import argparse
import base64
import collections
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRETS = json.load(open(os.path.join(ROOT, "infra/local/dev-secrets.json")))
TOOL_SECRET = SECRETS["elevenlabs-tool"]["elevenlabs_tool_secret"]
WEBHOOK_SECRET = SECRETS["elevenlabs-webhook"]["elevenlabs_webhook_secret"].encode()
JIRA_SECRET = SECRETS["jira-app"]["jira_client_secret"].encode()
EVENT = json.load(open(os.path.join(ROOT, "shared/fixtures/elevenlabs/post_call_transcription.json")))
CALLED = "+14155552600"
KNOWN_CALLERS = ["+14155552671", "+16505553412", "+12125553456"]


class Tally:
    """Counters and latencies shared by the traffic threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.latencies = collections.defaultdict(list)

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def took(self, kind, seconds):
        with self.lock:
            self.latencies[kind].append(seconds)


def send(method, url, body=None, headers=None, timeout=15):
    """(status, body bytes, seconds); status 0 when the connection failed or timed out."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), time.monotonic() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read(), time.monotonic() - start
    except Exception:  # refused, reset, timed out: what a caller of a stopped service sees
        return 0, b"", time.monotonic() - start


def signed_event(conversation, call_sid, caller, called=CALLED):
    event = json.loads(json.dumps(EVENT))
    event["data"]["conversation_id"] = conversation
    phone = event["data"]["metadata"]["phone_call"]
    phone.update(call_sid=call_sid, external_number=caller, agent_number=called)
    raw = json.dumps(event).encode()
    t = str(int(time.time()))
    signature = f"t={t},v0=" + hmac.new(WEBHOOK_SECRET, t.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return raw, signature


def jira_jwt():
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"iss": "local-jira-app", "exp": int(time.time()) + 300}).encode())
    sig = b64(hmac.new(JIRA_SECRET, f"{head}.{claims}".encode(), hashlib.sha256).digest())
    return f"Bearer {head}.{claims}.{sig}"


class Traffic:
    def __init__(self, args):
        self.args = args
        self.gw = args.gateway
        self.tally = Tally()
        self.stop = threading.Event()
        self.deliveries_done = threading.Event()
        self.accepted = set()          # conversations whose post-call event was acknowledged
        self.unacknowledged = set()    # ... never acknowledged within the run and its grace
        self.lock = threading.Lock()
        self.caller_seq = random.Random(args.seed).randrange(1000) * 10000
        self.pending_deliveries = []
        # A delivery is retried until the run's end plus the grace, as ElevenLabs keeps retrying.
        self.retry_until = time.monotonic() + args.seconds + args.grace

    def tool(self, name, body):
        status, raw, took = send("POST", f"{self.gw}/api/voice/tools/{name}", body,
                                 {"x-studioconnect-secret": TOOL_SECRET})
        self.tally.add(f"tool {name} {status}")
        self.tally.took("tool", took)
        return status, raw

    def initiation(self, caller, conversation, call_sid):
        body = {"caller_id": caller, "agent_id": "agent_chaos", "called_number": CALLED,
                "call_sid": call_sid, "conversation_id": conversation}
        status, raw, took = send("POST", f"{self.gw}/api/voice/elevenlabs-personalization", body,
                                 {"x-studioconnect-secret": TOOL_SECRET})
        self.tally.took("initiation", took)
        ok = False
        if status == 200:
            try:
                ok = bool(json.loads(raw)["conversation_config_override"]["agent"]["first_message"])
            except Exception:
                ok = False
        self.tally.add("initiation 200" if ok else f"initiation {status} (not a greeting)")
        return ok

    def deliver(self, raw, signature, conversation, deadline):
        """One delivery, retried as ElevenLabs retries, until acknowledged or the deadline."""
        delay = 0.5
        while True:
            status, _, took = send("POST", f"{self.gw}/api/voice/elevenlabs-events", raw,
                                   {"ElevenLabs-Signature": signature})
            self.tally.add(f"post-call delivery {status}")
            if status == 200:
                self.tally.took("post-call ack", took)
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 4)

    def call(self, rng):
        with self.lock:
            self.caller_seq += 1
            caller = f"+1628{self.caller_seq % 10_000_000:07d}"
        conversation = f"conv_chaos_{uuid.uuid4().hex[:20]}"
        call_sid = "CA" + uuid.uuid4().hex
        self.initiation(caller, conversation, call_sid)
        ids = {"conversation_id": conversation, "caller_id": caller, "called_number": CALLED}
        self.tool("qualification_next", ids)
        for answer in ("Sam Rivera", "sam@rivera.example"):
            self.tool("qualification_next", {**ids, "answer": answer})
        if rng.random() < 1 / 3:
            self.tool("escalate_to_team", {**ids, "reason": "their launch is tomorrow and the site is down"})
        raw, signature = signed_event(conversation, call_sid, caller)
        deadline = self.retry_until
        both = [threading.Thread(target=self.delivered, args=(raw, signature, conversation, deadline))
                for _ in range(2)]
        both[0].start()
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0.5, 3))   # the duplicate later, else at once
        both[1].start()
        with self.lock:
            self.pending_deliveries.extend(both)

    def delivered(self, raw, signature, conversation, deadline):
        acknowledged = self.deliver(raw, signature, conversation, deadline)
        with self.lock:
            if acknowledged:
                self.accepted.add(conversation)
                self.unacknowledged.discard(conversation)
            elif conversation not in self.accepted:
                self.unacknowledged.add(conversation)

    def calls_loop(self, worker):
        rng = random.Random(self.args.seed * 100 + worker)
        while not self.stop.is_set():
            start = time.monotonic()
            self.call(rng)
            self.tally.add("calls")
            time.sleep(max(0, self.args.call_every - (time.monotonic() - start)))

    def initiations_loop(self, worker):
        rng = random.Random(self.args.seed * 1000 + worker)
        period = self.args.initiation_workers / self.args.initiations_per_sec
        while not self.stop.is_set():
            start = time.monotonic()
            caller = rng.choice(KNOWN_CALLERS) if rng.random() < 0.5 else f"+1415555{rng.randrange(10000):04d}"
            self.initiation(caller, f"conv_chaos_init_{uuid.uuid4().hex[:16]}", "CA" + uuid.uuid4().hex)
            time.sleep(max(0, period - (time.monotonic() - start)))

    def jira_loop(self):
        hook = self.args.jira_webhook_id
        while not self.stop.is_set():
            delivery = {"webhookEvent": "jira:issue_updated", "matchedWebhookIds": [int(hook)],
                        "issue": {"id": "1000001", "key": "P1-1",
                                  "self": "https://api.atlassian.com/ex/jira/5e6f7a8b-0000-4000-8000-00000000fa4e/rest/api/3/issue/1000001"}}
            identifier = str(uuid.uuid4())
            for attempt in range(5):   # Jira retries a refused delivery up to five times
                status, _, _ = send("POST", f"{self.gw}/api/webhooks/jira", delivery,
                                    {"authorization": jira_jwt(), "x-atlassian-webhook-identifier": identifier})
                self.tally.add(f"jira delivery {status}")
                if 200 <= status < 300:
                    break
                time.sleep(1 + attempt)
            self.tally.add("jira webhooks")
            time.sleep(1)

    def run(self):
        threads = [threading.Thread(target=self.calls_loop, args=(w,)) for w in range(self.args.call_workers)]
        threads += [threading.Thread(target=self.initiations_loop, args=(w,))
                    for w in range(self.args.initiation_workers)]
        if self.args.jira_webhook_id:
            threads.append(threading.Thread(target=self.jira_loop))
        for t in threads:
            t.start()
        time.sleep(self.args.seconds)
        self.stop.set()
        for t in threads:
            t.join()
        for t in list(self.pending_deliveries):
            t.join()


class Queues:
    def __init__(self):
        self.sqs = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
        self.pairs = [(q, self.dead_letter_queue(q))
                      for q in (os.environ["CALL_SUMMARY_QUEUE_URL"], os.environ["PM_SYNC_QUEUE_URL"])]

    def dead_letter_queue(self, url):
        policy = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
        arn = json.loads(policy["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
        return self.sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]

    def depth(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])

    def drain(self, seconds):
        """Waits until the work queues are empty (nothing visible or in flight)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.depth(q) == 0 for q, _ in self.pairs):
                return True
            time.sleep(1)
        return False


def psql(sql):
    out = subprocess.run([os.environ["PSQL"], "-tA", "-F", "\t", os.environ["DATABASE_URL"], "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def journal():
    """What the fake vendors accepted, across their restarts: (kind, canonical body, late) per line.
    Late: answered after its sender stopped waiting (the slow fault)."""
    entries = []
    if not os.path.exists(os.environ["FAKE_VENDORS_JOURNAL"]):
        return entries   # nothing was ever accepted
    with open(os.environ["FAKE_VENDORS_JOURNAL"]) as f:
        for line in f:
            e = json.loads(line)
            entries.append((e["kind"], json.dumps(e["body"], sort_keys=True), e.get("late", False)))
    return entries


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gateway", required=True)
    p.add_argument("--seconds", type=float, default=120)
    p.add_argument("--grace", type=float, default=60, help="how long a delivery keeps retrying after the run")
    p.add_argument("--seed", type=int, default=20261130)
    p.add_argument("--call-workers", type=int, default=4)
    p.add_argument("--call-every", type=float, default=2.0, help="seconds between calls, per call worker")
    p.add_argument("--initiation-workers", type=int, default=4)
    p.add_argument("--initiations-per-sec", type=float, default=20)
    p.add_argument("--jira-webhook-id", default="")
    p.add_argument("--redrive", required=True, help="the local gateway binary (its redrive command)")
    p.add_argument("--faults", default="", help="a file the fault script appends one line per fault to")
    args = p.parse_args()
    random.seed(args.seed)

    traffic = Traffic(args)
    started = time.monotonic()
    traffic.run()
    print(f"[chaos] traffic stopped after {time.monotonic() - started:.0f} s; draining the queues", file=sys.stderr)

    queues = Queues()
    drained = queues.drain(180)
    dead_lettered = {}
    for queue, dlq in queues.pairs:
        dead_lettered[dlq] = queues.depth(dlq)
        if dead_lettered[dlq]:
            subprocess.run([args.redrive, "redrive", dlq, queue], check=True, stdout=subprocess.DEVNULL)
    redriven_drained = queues.drain(180)
    left = {url: queues.depth(url) for pair in queues.pairs for url in pair}

    accepted = traffic.accepted
    logs = dict((c, int(n)) for c, n in psql(
        "SELECT elevenlabs_conversation_id, count(*) FROM call_logs "
        "WHERE elevenlabs_conversation_id LIKE 'conv_chaos_%' GROUP BY 1"))
    call_ids = dict(psql("SELECT elevenlabs_conversation_id, id FROM call_logs "
                         "WHERE elevenlabs_conversation_id LIKE 'conv_chaos_%'"))
    missing = sorted(c for c in accepted if logs.get(c, 0) == 0)
    duplicated_logs = sorted(c for c, n in logs.items() if n > 1)
    unexpected = sorted(c for c in logs if c not in accepted and c not in traffic.unacknowledged)

    sent = journal()
    copies = collections.Counter((kind, body) for kind, body, _ in sent)
    late = {(kind, body) for kind, body, was_late in sent if was_late}
    # A copy after an answer that came too late is the vendor's ambiguity, not a lost record:
    # SendGrid and Twilio take no idempotency key, so a timed-out send is sent again
    # (at-least-once). Counted apart; any other second copy is a defect.
    twice = {k: n for k, n in copies.items() if n > 1}
    emails_twice = sum(1 for k in twice if k[0] == "email" and k not in late)
    texts_twice = sum(1 for k in twice if k[0] == "sms" and k not in late)
    resent_after_late = sum(1 for k in twice if k in late)
    # Each call's email by the call's link in it: a second one counts even if its text differs (a
    # retried worker may write the summary anew), unless it followed an answer past our timeout.
    call_emails = collections.Counter()
    call_email_late = set()
    for kind, body, was_late in sent:
        if kind == "email":
            for conversation, call_id in call_ids.items():
                if f"/calls/{call_id}" in body:
                    call_emails[conversation] += 1
                    if was_late:
                        call_email_late.add(conversation)
    no_email = sorted(c for c in accepted if call_emails[c] == 0)
    emailed_twice = sorted(c for c in accepted if call_emails[c] > 1 and c not in call_email_late)

    counts = traffic.tally.counts
    initiations = sum(n for k, n in counts.items() if k.startswith("initiation "))
    initiations_ok = counts["initiation 200"]
    faults = open(args.faults).read().splitlines() if args.faults and os.path.exists(args.faults) else []

    lat = traffic.tally.latencies
    print()
    print("Chaos run")
    print(f"  traffic: {int(time.monotonic() - started)} s in all; {counts['calls']} calls, {initiations} initiations, "
          f"{sum(n for k, n in counts.items() if k.startswith('tool '))} tool calls, "
          f"{sum(n for k, n in counts.items() if k.startswith('post-call delivery '))} post-call delivery attempts, "
          f"{sum(n for k, n in counts.items() if k.startswith('jira delivery '))} Jira delivery attempts")
    print(f"  faults injected: {len(faults)}")
    for f in faults:
        print(f"    {f}")
    print("  answers:")
    for k in sorted(counts):
        if k != "calls" and k != "jira webhooks":
            print(f"    {k}: {counts[k]}")
    print(f"  latency p50/p99 (s): initiation {percentile(lat['initiation'], 50):.3f}/{percentile(lat['initiation'], 99):.3f}, "
          f"tool {percentile(lat['tool'], 50):.3f}/{percentile(lat['tool'], 99):.3f}, "
          f"post-call ack {percentile(lat['post-call ack'], 50):.3f}/{percentile(lat['post-call ack'], 99):.3f}")
    print(f"  dead-lettered, then redriven: " + ", ".join(f"{url.rsplit('/', 1)[-1]} {n}" for url, n in dead_lettered.items()))
    checks = [
        ("every initiation answered 200 with a greeting", initiations_ok == initiations, f"{initiations_ok}/{initiations}"),
        ("every acknowledged call became exactly one call log",
         not missing and not duplicated_logs and not unexpected,
         f"{len(accepted)} acknowledged, lost {len(missing)}, duplicated {len(duplicated_logs)}, unexpected {len(unexpected)}"),
        ("every post-call event was acknowledged (ElevenLabs' retries)", not traffic.unacknowledged,
         f"{len(traffic.unacknowledged)} never acknowledged"),
        ("every recorded call emailed the team once", not no_email and not emailed_twice,
         f"{len(accepted) - len(no_email)}/{len(accepted)} emailed, {len(emailed_twice)} twice; "
         f"{len(sent)} messages accepted by the fakes"),
        ("no email or SMS sent twice", emails_twice == 0 and texts_twice == 0,
         f"emails twice {emails_twice}, texts twice {texts_twice}; "
         f"sent again after an answer past our timeout: {resent_after_late}"),
        ("nothing left in flight (queues and dead-letter queues empty after the redrive)",
         drained and redriven_drained and all(n == 0 for n in left.values()),
         ", ".join(f"{u.rsplit('/', 1)[-1]} {n}" for u, n in left.items())),
    ]
    failed = 0
    for name, ok, detail in checks:
        failed += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
    for c in (missing + duplicated_logs + unexpected + no_email + emailed_twice)[:10]:
        print(f"    e.g. {c}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
