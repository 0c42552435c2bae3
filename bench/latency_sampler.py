#!/usr/bin/env python3
"""PING latency sampler for the bench scripts.

    latency_sampler.py HOST PORT [INTERVAL_MS]

Sends PING on one connection, waits for +PONG, sleeps INTERVAL_MS (default 1), and so on, timing
each round trip with a monotonic clock. The samples are split into windows: SIGUSR1 ends the current
window (prints it and starts the next), SIGTERM or SIGINT ends the last one and exits. A PING still
unanswered when a window ends counts with the time it has waited so far. One line per window:

    window=1 samples=1532 max_ms=2.841 p99_ms=0.412 avg_ms=0.143

Any error (connection refused or closed, unexpected reply) is printed as "error=..." and exits 1.
"""
import signal
import socket
import sys
import time


class Stop(Exception):
    pass


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    interval = (float(sys.argv[3]) if len(sys.argv) > 3 else 1.0) / 1000.0
    samples = []
    window = 1
    sent_at = None  # perf_counter_ns of the PING in flight, if any

    def report():
        nonlocal samples, window
        pending = [time.perf_counter_ns() - sent_at] if sent_at is not None else []
        data = sorted(samples + pending)
        if data:
            p99 = data[min(len(data) - 1, int(len(data) * 0.99))]
            print(f"window={window} samples={len(data)} max_ms={data[-1] / 1e6:.3f} "
                  f"p99_ms={p99 / 1e6:.3f} avg_ms={sum(data) / len(data) / 1e6:.3f}", flush=True)
        else:
            print(f"window={window} samples=0", flush=True)
        samples = []
        window += 1

    def on_usr1(_sig, _frame):
        report()

    def on_stop(_sig, _frame):
        raise Stop()

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    try:
        sock = socket.create_connection((host, port), timeout=30)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            sent_at = time.perf_counter_ns()
            sock.sendall(b"PING\r\n")
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = sock.recv(64)
                if not chunk:
                    raise ConnectionError("connection closed by the server")
                reply += chunk
            samples.append(time.perf_counter_ns() - sent_at)
            sent_at = None
            if reply != b"+PONG\r\n":
                raise ConnectionError(f"unexpected reply {reply!r}")
            time.sleep(interval)
    except Stop:
        report()
        return 0
    except (OSError, ConnectionError) as e:
        print(f"error={e}", flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
