#!/usr/bin/env python3
"""Raw-socket clients for the t_serve_*.sh tests: what curl cannot send.

sock.py raw HOST PORT HEX            send the bytes (hex; "-": read from stdin),
                                     close the sending side, print the answer
sock.py rawopen HOST PORT HEX        the same with the sending side left open
                                     until the answer (a synchronous upload's
                                     client that half-closes is taken as gone
                                     and its import cancelled); the request
                                     should say "Connection: close"
sock.py hold SRC HOST PORT N FIFO    open N idle connections from source
                                     address SRC, print "held N", keep them
                                     until a line arrives on FIFO (or 60 s)
sock.py stall HOST PORT HEX          send HEX, then nothing; print how the
                                     server ended it ("answered STATUS" or
                                     "closed") or "still open" after 30 s
sock.py trickle HOST PORT HEAD       send HEAD, then one byte every 0.2 s;
                                     print as stall does
"""
import os
import select
import socket
import sys
import time


def connect(host, port, src=None, timeout=30):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((host, int(port)))
    return s


def read_all(s):
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def verdict(data):
    if data.startswith(b"HTTP/1.1 "):
        return "answered " + data[9:12].decode()
    return "closed"


def main():
    cmd = sys.argv[1]
    if cmd in ("raw", "rawopen"):
        s = connect(sys.argv[2], sys.argv[3])
        hexs = sys.stdin.read().strip() if sys.argv[4] == "-" else sys.argv[4]
        try:
            s.sendall(bytes.fromhex(hexs))
            if cmd == "raw":
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before it read everything
        sys.stdout.buffer.write(read_all(s))
    elif cmd == "hold":
        src, host, port, n, fifo = sys.argv[2:7]
        socks = []
        for _ in range(int(n)):
            try:
                socks.append(connect(host, port, src))
            except OSError as e:
                print("connect failed:", e, flush=True)
                break
        print("held", len(socks), flush=True)
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        select.select([fd], [], [], 60)
        os.close(fd)
    elif cmd in ("stall", "trickle"):
        s = connect(sys.argv[2], sys.argv[3], timeout=30)
        head = bytes.fromhex(sys.argv[4])
        s.sendall(head)
        if cmd == "stall":
            try:
                data = s.recv(65536)
                data += read_all(s) if data else b""
            except socket.timeout:
                print("still open")
                return
            except ConnectionResetError:
                data = b""
            print(verdict(data))
            return
        end = time.monotonic() + 30
        s.setblocking(False)
        while time.monotonic() < end:
            r, _, _ = select.select([s], [], [], 0.2)
            if r:
                try:
                    data = s.recv(65536)
                except ConnectionResetError:
                    data = b""
                print(verdict(data))
                return
            try:
                s.send(b"a")
            except OSError:
                print("closed")
                return
        print("still open")


main()
