#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A fake turnpike-control for tests/integration/ctl_channel_test.sh.

Speaks the control channel (include/turnpike/ctl_proto.h) with struct-packed
frames, written here independently of the C codec so that each checks the
other.

  ctl_fake.py serve --socket S --cmd C --log L --realm R [--user NAME:PASS]...
      Listens on S for the dataplane (one connection at a time) and on C for
      commands. Answers HELLO and CRED_LOOKUP (keys of the --user list, by
      name or USERHASH, MD5 or SHA-256; others NOT_FOUND) and logs every
      frame from the dataplane as a JSON line to L.
  ctl_fake.py cmd --cmd C JSON
      Sends one command to a serving fake and prints its JSON answer; exit 0
      for ACK or COUNTERS_SNAPSHOT, 1 for ERROR, 2 for no answer. Commands:
        {"cmd": "rest", "secrets": ["s1", ...]}
        {"cmd": "rules", "allow": [...], "deny": [...], "default_deny": false}
        {"cmd": "quotas", "user": 1, "total": 0, "max_bps": 0}
        {"cmd": "counters"}   {"cmd": "drain"}   {"cmd": "reload"}
        {"cmd": "raw", "hex": "..."}          any bytes, answer not awaited
"""
import argparse
import hashlib
import json
import os
import selectors
import socket
import struct
import sys
import time

MAGIC = 0x54504343
VERSION = 1
HDR = struct.Struct(">IBBHII")
T = dict(HELLO=1, CRED_LOOKUP=2, CRED_ANSWER=3, REST_SECRETS=4, PEER_RULES=5, QUOTAS=6,
         ALLOC_EVENT=7, COUNTERS_REQUEST=8, COUNTERS_SNAPSHOT=9, DRAIN=10, RELOAD=11,
         ACK=12, ERROR=13)
TNAME = {v: k for k, v in T.items()}
KINDS = {1: "created", 2: "refreshed", 3: "deleted", 4: "expired"}
MAX_FRAME = 16384


def frame(t, req_id, body=b""):
    return HDR.pack(MAGIC, VERSION, t, 0, len(body), req_id) + body


def str8(b):
    return struct.pack(">B", len(b)) + b


def str16(b):
    return struct.pack(">H", len(b)) + b


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, n):
        if self.o + n > len(self.b):
            raise ValueError("short body")
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def s8(self):
        return self.take(self.u8())

    def s16(self):
        return self.take(self.u16())

    def addr(self):
        fam, _, port = self.u8(), self.u8(), self.u16()
        ip = self.take(16)
        if fam == 1:
            return "%s:%d" % (socket.inet_ntop(socket.AF_INET, ip[:4]), port)
        return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, ip), port)

    def end(self):
        if self.o != len(self.b):
            raise ValueError("%d trailing bytes" % (len(self.b) - self.o))


class Fake:
    def __init__(self, a):
        self.a = a
        self.users = {}
        for u in a.user:
            name, pw = u.split(":", 1)
            self.users[name] = pw
        self.log = open(a.log, "a", buffering=1)
        self.sel = selectors.DefaultSelector()
        self.dp = None
        self.dp_buf = b""
        self.hello_seen = False
        self.next_id = 1
        self.waiting = {}  # request id -> cmd connection
        for path in (a.socket, a.cmd):
            if os.path.exists(path):
                os.unlink(path)
        self.lsock = self.listen(a.socket, self.on_dp_accept)
        self.csock = self.listen(a.cmd, self.on_cmd_accept)

    def listen(self, path, cb):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(8)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, cb)
        return s

    def note(self, **kw):
        kw["t"] = round(time.time(), 3)
        self.log.write(json.dumps(kw) + "\n")

    # ---- the dataplane connection ----

    def on_dp_accept(self, s):
        c, _ = s.accept()
        if self.dp is not None:
            self.note(type="second_connection_refused")
            c.close()
            return
        c.setblocking(True)
        self.dp, self.dp_buf, self.hello_seen = c, b"", False
        self.sel.register(c, selectors.EVENT_READ, self.on_dp_read)
        # HELLO first, from our side too.
        self.send(frame(T["HELLO"], 0, struct.pack(">HBBQ", 1, 2, 0, 0xC0C0C0C0C0C0C0C0)))
        self.note(type="accept")

    def send(self, b):
        if self.dp is not None:
            self.dp.sendall(b)

    def dp_close(self, why):
        self.note(type="close", why=why)
        self.sel.unregister(self.dp)
        self.dp.close()
        self.dp = None

    def on_dp_read(self, c):
        data = c.recv(65536)
        if not data:
            self.dp_close("eof")
            return
        self.dp_buf += data
        while len(self.dp_buf) >= HDR.size:
            magic, ver, t, _, length, req_id = HDR.unpack_from(self.dp_buf)
            if magic != MAGIC or ver != VERSION or length > MAX_FRAME - HDR.size:
                self.note(type="protocol_error", magic=magic, version=ver, length=length)
                self.dp_close("protocol error")
                return
            if len(self.dp_buf) < HDR.size + length:
                break
            body = self.dp_buf[HDR.size:HDR.size + length]
            self.dp_buf = self.dp_buf[HDR.size + length:]
            try:
                self.on_frame(t, req_id, body)
            except ValueError as e:
                self.note(type="bad_body", frame=TNAME.get(t, t), why=str(e))

    def on_frame(self, t, req_id, body):
        r = Reader(body)
        if t == T["HELLO"]:
            version, role, res, inst = r.u16(), r.u8(), r.u8(), r.u64()
            r.end()
            self.hello_seen = True
            self.note(type="hello", version=version, role=role, reserved=res,
                      instance="%016x" % inst)
        elif t == T["CRED_LOOKUP"]:
            self.on_lookup(req_id, r)
        elif t == T["ALLOC_EVENT"]:
            kind, transport, res, lifetime, aid = r.u8(), r.u8(), r.u16(), r.u32(), r.u64()
            client, server, relay = r.addr(), r.addr(), r.addr()
            c2p_p, c2p_b, p2c_p, p2c_b = r.u64(), r.u64(), r.u64(), r.u64()
            user = r.s16().decode("utf-8", "replace")
            r.end()
            self.note(type="alloc_event", kind=KINDS.get(kind, kind), transport=transport,
                      lifetime=lifetime, id="%016x" % aid, client=client, server=server,
                      relay=relay, c2p_packets=c2p_p, c2p_bytes=c2p_b, p2c_packets=p2c_p,
                      p2c_bytes=p2c_b, user=user, seq=req_id)
        elif t == T["COUNTERS_SNAPSHOT"]:
            n, res = r.u16(), r.u16()
            counters = {}
            for _ in range(n):
                name = r.s8().decode()
                counters[name] = r.u64()
            r.end()
            self.reply(req_id, {"ok": True, "type": "snapshot", "counters": counters})
        elif t == T["ACK"]:
            r.end()
            self.reply(req_id, {"ok": True, "type": "ack"})
        elif t == T["ERROR"]:
            rt, res, code = r.u8(), r.u8(), r.u16()
            text = r.s8().decode("utf-8", "replace")
            r.end()
            self.note(type="error", req_type=rt, code=code, text=text, req_id=req_id)
            self.reply(req_id, {"ok": False, "type": "error", "req_type": rt, "code": code,
                                "text": text})
        else:
            self.note(type="unexpected", frame=TNAME.get(t, t))

    def on_lookup(self, req_id, r):
        by, alg = r.u8(), r.u8()
        realm = r.s16().decode()
        if by == 0:
            who = r.s16().decode("utf-8", "replace")
            name = who if who in self.users else None
        else:
            uh = r.take(32)
            who = uh.hex()
            name = None
            for u in self.users:
                if hashlib.sha256(("%s:%s" % (u, realm)).encode()).digest() == uh:
                    name = u
        r.end()
        self.note(type="lookup", by=by, alg=alg, realm=realm, user=who, found=name is not None)
        if name is None or realm != self.a.realm:
            body = struct.pack(">BBBBI", 1, alg, 0, 0, 5) + str16(b"")
        else:
            text = ("%s:%s:%s" % (name, realm, self.users[name])).encode()
            key = hashlib.md5(text).digest() if alg == 1 else hashlib.sha256(text).digest()
            body = struct.pack(">BBBBI", 0, alg, len(key), 0, self.a.ttl) + key + \
                str16(name.encode())
        self.send(frame(T["CRED_ANSWER"], req_id, body))

    # ---- commands ----

    def on_cmd_accept(self, s):
        c, _ = s.accept()
        c.setblocking(True)
        self.sel.register(c, selectors.EVENT_READ, self.on_cmd_read)

    def reply(self, req_id, obj):
        c = self.waiting.pop(req_id, None)
        if c is None:
            return
        try:
            c.sendall((json.dumps(obj) + "\n").encode())
        except OSError:
            pass
        self.sel.unregister(c)
        c.close()

    def on_cmd_read(self, c):
        line = b""
        while not line.endswith(b"\n"):
            d = c.recv(65536)
            if not d:
                break
            line += d
        try:
            cmd = json.loads(line)
            body, t = self.build(cmd)
        except (ValueError, KeyError) as e:
            c.sendall((json.dumps({"ok": False, "type": "usage", "text": str(e)}) + "\n").encode())
            self.sel.unregister(c)
            c.close()
            return
        if self.dp is None or not self.hello_seen:
            c.sendall(b'{"ok": false, "type": "not_connected"}\n')
            self.sel.unregister(c)
            c.close()
            return
        if t is None:  # raw bytes, no answer awaited
            self.send(body)
            c.sendall(b'{"ok": true, "type": "sent"}\n')
            self.sel.unregister(c)
            c.close()
            return
        req_id = self.next_id
        self.next_id += 1
        self.waiting[req_id] = c
        self.note(type="command", cmd=cmd.get("cmd"), req_id=req_id)
        self.send(frame(t, req_id, body))

    def build(self, cmd):
        k = cmd["cmd"]
        if k == "rest":
            s = [x.encode() for x in cmd["secrets"]]
            return struct.pack(">BB", len(s), 0) + b"".join(str16(x) for x in s), \
                T["REST_SECRETS"]
        if k == "rules":
            allow = [x.encode() for x in cmd.get("allow", [])]
            deny = [x.encode() for x in cmd.get("deny", [])]
            flags = 1 if cmd.get("default_deny", False) else 0
            return struct.pack(">BBBB", flags, len(allow), len(deny), 0) + \
                b"".join(str8(x) for x in allow + deny), T["PEER_RULES"]
        if k == "quotas":
            return struct.pack(">IIQ", cmd.get("user", 0), cmd.get("total", 0),
                               cmd.get("max_bps", 0)), T["QUOTAS"]
        if k == "counters":
            return b"", T["COUNTERS_REQUEST"]
        if k == "drain":
            return b"", T["DRAIN"]
        if k == "reload":
            return b"", T["RELOAD"]
        if k == "raw":
            return bytes.fromhex(cmd["hex"]), None
        raise KeyError("unknown command " + k)

    def run(self):
        while True:
            for key, _ in self.sel.select(timeout=1.0):
                try:
                    key.data(key.fileobj)
                except (ConnectionError, OSError) as e:
                    if key.fileobj is self.dp:
                        self.dp_close("error: %s" % e)


def cmd_main(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect(a.cmd)
        s.sendall((a.json + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError as e:
        print(json.dumps({"ok": False, "type": "no_answer", "text": str(e)}))
        return 2
    if not data:
        print(json.dumps({"ok": False, "type": "no_answer"}))
        return 2
    print(data.decode().strip())
    return 0 if json.loads(data)["ok"] else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--socket", required=True)
    s.add_argument("--cmd", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--realm", required=True)
    s.add_argument("--user", action="append", default=[])
    s.add_argument("--ttl", type=int, default=60)
    c = sub.add_parser("cmd")
    c.add_argument("--cmd", required=True)
    c.add_argument("--timeout", type=float, default=5.0)
    c.add_argument("json")
    a = p.parse_args()
    if a.mode == "cmd":
        sys.exit(cmd_main(a))
    Fake(a).run()


if __name__ == "__main__":
    main()
