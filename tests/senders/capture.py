"""A tiny TCP capture server: records exactly the bytes a sender writes.

    python3 capture.py OUT_FILE [--connections N] [--timeout S]

Listens on 127.0.0.1, port chosen by the kernel, and prints the port on stdout (one line, flushed).
Writes every byte received to OUT_FILE, connection after connection in the order they were accepted,
and exits 0 once N connections (default 1) reached end of stream; exits 1 if that has not happened
within S seconds (default 60). Never writes to the sender.
"""

import argparse
import socket
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60.0)
    a = p.parse_args()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(a.timeout)
    print(srv.getsockname()[1], flush=True)
    with open(a.out, "wb") as f:
        for _ in range(a.connections):
            try:
                conn, _peer = srv.accept()
            except socket.timeout:
                print("capture.py: no connection within %.0f s" % a.timeout, file=sys.stderr)
                return 1
            conn.settimeout(a.timeout)
            with conn:
                while True:
                    try:
                        chunk = conn.recv(65536)
                    except socket.timeout:
                        print("capture.py: connection idle for %.0f s" % a.timeout, file=sys.stderr)
                        return 1
                    if not chunk:
                        break
                    f.write(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
