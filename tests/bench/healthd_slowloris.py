#!/usr/bin/env python3
"""Bench helper for healthd_bench.sh.

  healthd_slowloris.py hold PORT COUNT SECONDS
      Keeps COUNT connections open to 127.0.0.1:PORT for SECONDS: half idle,
      half trickling a never-ending request head one byte a second (the
      slowloris pattern). A connection the server closes is reopened at once,
      so the pressure stays at COUNT. Prints how many were open at the end and
      how many the server closed (and were reopened).

  healthd_slowloris.py probe PORT COUNT
      Times COUNT GET /health requests, each on a fresh connection, and
      prints p50/p99/max latency in ms and the status codes seen.
"""
import socket
import sys
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    return s


def hold(port, count, seconds):
    conns = []
    for i in range(count):
        conns.append(connect(port))
    trickling = [i % 2 == 0 for i in range(count)]
    for i, s in enumerate(conns):
        if trickling[i]:
            s.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    reopened = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for i, s in enumerate(conns):
            closed = False
            try:
                data = s.recv(4096)
                if data == b"":
                    closed = True
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            if not closed and trickling[i]:
                try:
                    s.send(b"X")
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
            if closed:
                s.close()
                conns[i] = connect(port)
                if trickling[i]:
                    conns[i].send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                reopened += 1
        time.sleep(1.0)
    print(f"held {len(conns)} connections for {seconds} s; the server closed {reopened} (each reopened at once)")


def probe(port, count):
    times = []
    codes = {}
    for _ in range(count):
        t0 = time.monotonic()
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        times.append((time.monotonic() - t0) * 1000.0)
        code = data[9:12].decode() if len(data) >= 12 else "none"
        codes[code] = codes.get(code, 0) + 1
        time.sleep(0.05)
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"/health x{count}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms, codes {codes}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "hold":
        hold(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "probe":
        probe(int(sys.argv[2]), int(sys.argv[3]))
    else:
        print(__doc__)
        sys.exit(64)
