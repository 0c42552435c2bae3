#!/usr/bin/env python3
"""Replica lag sampler for bench/replication.sh.

    repl_lag_sampler.py HOST MASTER_PORT REPLICA_PORT [INTERVAL_MS]

Every INTERVAL_MS (default 20) reads master_repl_offset from the master's INFO replication and
slave_repl_offset (what the replica has applied) from the replica's, on one connection each, and
stamps both with a monotonic clock. On SIGTERM or SIGINT it prints one line and exits:

    samples=812 max_bytes=1048576 p99_bytes=524288 max_ms=41.2 p99_ms=20.3 unreached=0

Lag in bytes: master offset minus the replica's offset read right after it. Lag in ms: for each
master sample, the time until a replica sample shows that offset applied (so a resolution of about
one interval); master samples the replica had not reached when sampling stopped are "unreached" and
do not count in the ms figures. Any error (connection refused or closed, a reply that is not INFO)
is printed as "error=..." and exits 1.
"""
import signal
import socket
import sys
import time


class Stop(Exception):
    pass


class InfoConnection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def field(self, name):
        self.sock.sendall(b"INFO replication\r\n")
        while b"\r\n" not in self.buf:
            self._fill()
        eol = self.buf.index(b"\r\n")
        header = self.buf[:eol]
        if not header.startswith(b"$"):
            raise ValueError(f"unexpected reply {header[:80]!r}")
        total = eol + 2 + int(header[1:]) + 2
        while len(self.buf) < total:
            self._fill()
        body, self.buf = self.buf[eol + 2:total - 2], self.buf[total:]
        for line in body.split(b"\r\n"):
            key, _, value = line.partition(b":")
            if key == name:
                return int(value)
        raise ValueError(f"no {name.decode()} in INFO replication")


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def main():
    host, master_port, replica_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    interval = (float(sys.argv[4]) if len(sys.argv) > 4 else 20.0) / 1000.0

    def on_stop(_sig, _frame):
        raise Stop()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    master_samples = []   # (t, master offset)
    replica_samples = []  # (t, replica offset)
    byte_lags = []
    try:
        master = InfoConnection(host, master_port)
        replica = InfoConnection(host, replica_port)
        while True:
            m = master.field(b"master_repl_offset")
            tm = time.monotonic()
            r = replica.field(b"slave_repl_offset")
            tr = time.monotonic()
            master_samples.append((tm, m))
            replica_samples.append((tr, r))
            byte_lags.append(max(0, m - r))
            time.sleep(interval)
    except Stop:
        pass
    except Exception as e:  # noqa: BLE001 - any failure is reported to the script
        print(f"error={e}", flush=True)
        sys.exit(1)
    # A second SIGTERM (the script's stop sends one more after a grace period) must not cut the report.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    ms_lags = []
    unreached = 0
    j = 0
    for tm, m in master_samples:
        while j < len(replica_samples) and replica_samples[j][1] < m:
            j += 1
        if j == len(replica_samples):
            unreached += 1
            continue
        ms_lags.append(max(0.0, replica_samples[j][0] - tm) * 1000)
    byte_lags.sort()
    ms_lags.sort()
    if not byte_lags:
        print("samples=0", flush=True)
        return
    ms = f"max_ms={ms_lags[-1]:.1f} p99_ms={percentile(ms_lags, 0.99):.1f}" if ms_lags else "max_ms=- p99_ms=-"
    print(f"samples={len(byte_lags)} max_bytes={byte_lags[-1]} p99_bytes={percentile(byte_lags, 0.99)} "
          f"{ms} unreached={unreached}", flush=True)


if __name__ == "__main__":
    main()
