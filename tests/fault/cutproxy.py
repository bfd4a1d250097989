# cutproxy.py - a TCP proxy in front of PostgreSQL that makes COMMITs
# ambiguous: it forwards the client's COMMIT to the server, waits for the
# server's answer (so the transaction IS committed), then drops the answer
# and closes both sides. The client sees its connection die during COMMIT
# and cannot know the outcome; a correct importer checks the ledger before
# sending the batch again. Every EVERY-th COMMIT (counted over all
# connections) after the first SKIP is cut, at most MAX times.
# Usage: cutproxy.py UPSTREAM_PORT EVERY SKIP MAX STATEFILE
# Prints the port it listens on (127.0.0.1), then serves until killed; the
# number of cuts so far is written to STATEFILE after each cut.
import socket
import struct
import sys
import threading

up_port, every, skip, maxcuts, statefile = (int(sys.argv[1]), int(sys.argv[2]),
                                            int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
lock = threading.Lock()
state = {"commits": 0, "cuts": 0}


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


def should_cut():
    with lock:
        state["commits"] += 1
        n = state["commits"] - skip
        if n > 0 and n % every == 0 and state["cuts"] < maxcuts:
            state["cuts"] += 1
            with open(statefile, "w") as f:
                f.write("%d\n" % state["cuts"])
            return True
    return False


def client_to_server(c, u, cut):
    try:
        # start-up: untyped messages (SSLRequest, GSSENCRequest, StartupMessage)
        while True:
            hdr = recv_exact(c, 4)
            (n,) = struct.unpack("!I", hdr)
            body = recv_exact(c, n - 4)
            u.sendall(hdr + body)
            code = struct.unpack("!I", body[:4])[0]
            if code not in (80877103, 80877104):  # the StartupMessage
                break
        while True:
            t = recv_exact(c, 1)
            hdr = recv_exact(c, 4)
            (n,) = struct.unpack("!I", hdr)
            body = recv_exact(c, n - 4)
            if t == b"Q" and body[:6].upper() == b"COMMIT" and should_cut():
                cut.set()
            u.sendall(t + hdr + body)
    except (EOFError, OSError):
        pass
    if not cut.is_set():
        close(c, u)


def server_to_client(c, u, cut):
    try:
        while True:
            data = u.recv(65536)
            if not data:
                break
            if cut.is_set():
                break  # the server answered the COMMIT: drop the answer
            c.sendall(data)
    except OSError:
        pass
    close(c, u)


def serve(c):
    try:
        u = socket.create_connection(("127.0.0.1", up_port))
    except OSError:
        close(c)
        return
    for s in (c, u):  # no Nagle: per-row methods make thousands of tiny round trips
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    cut = threading.Event()
    threading.Thread(target=client_to_server, args=(c, u, cut), daemon=True).start()
    threading.Thread(target=server_to_client, args=(c, u, cut), daemon=True).start()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(statefile, "w") as f:
        f.write("0\n")
    print(ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        serve(c)


if __name__ == "__main__":
    main()
