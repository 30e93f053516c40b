"""Genuine post-call deliveries at a steady rate, for `./infra/local/bench hostile`, which floods the
webhooks with forged ones meanwhile. Prints how many were sent and acknowledged and the
acknowledgement latency; exit status 1 unless every one was acknowledged at its first attempt."""

import argparse
import sys
import threading
import time
import uuid

from chaos import percentile, send, signed_event


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gateway", required=True)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--per-sec", type=float, default=20)
    p.add_argument("--called", default="+14152000500", help="a number of a seeded business")
    p.add_argument("--label", default="genuine deliveries")
    args = p.parse_args()
    results, lock = [], threading.Lock()

    def deliver():
        conversation = f"conv_hostile_{uuid.uuid4().hex[:20]}"
        raw, signature = signed_event(conversation, "CA" + uuid.uuid4().hex,
                                      f"+1332{uuid.uuid4().int % 10_000_000:07d}", args.called)
        status, _, took = send("POST", f"{args.gateway}/api/voice/elevenlabs-events", raw,
                               {"ElevenLabs-Signature": signature})
        with lock:
            results.append((status, took))

    threads, start, n = [], time.monotonic(), 0
    while time.monotonic() - start < args.seconds:   # open loop: one at each tick, answered or not
        t = threading.Thread(target=deliver)
        t.start()
        threads.append(t)
        n += 1
        time.sleep(max(0, start + n / args.per_sec - time.monotonic()))
    for t in threads:
        t.join()
    acked = [took for status, took in results if status == 200]
    print(f"{args.label}: {len(results)} sent at {args.per_sec:g}/s, {len(acked)} acknowledged (200); "
          f"p50 {percentile(acked, 50) * 1e3:.1f} ms, p99 {percentile(acked, 99) * 1e3:.1f} ms, "
          f"max {max(acked, default=0) * 1e3:.1f} ms")
    sys.exit(0 if len(acked) == len(results) else 1)


if __name__ == "__main__":
    main()
