#!/usr/bin/env python3
"""Writes SIZE megabytes of a qmail-smtpd log as multilog keeps it (tcpserver -v lines around each cqgreylist line,
every line TAI64N-stamped), to standard output: a mix of outcomes over a fixed population of clients, so a longer
log has more lines but no more distinct clients. With --each-client, the clients are distinct addresses and the first
lines with a key take them in turn, so that every one is in the log (it fails if SIZE is too small for that).
  tools/bench/report-log.py SIZE_MB [CLIENTS] [--each-client]"""
import random, sys

each_client = "--each-client" in sys.argv
arguments = [argument for argument in sys.argv[1:] if argument != "--each-client"]
size = int(arguments[0]) << 20
clients = int(arguments[1]) if len(arguments) > 1 else 200_000
rng = random.Random(13)
def address():
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
addresses = [address() for _ in range(clients)]
if each_client:
    distinct = dict.fromkeys(addresses)
    while len(distinct) < clients:
        distinct[address()] = None
    addresses = list(distinct)
keyed = 0
outcomes = [("pass", "known", True)] * 60 + [("greylist", "new", False)] * 15 + [("greylist", "early", True)] * 8 \
    + [("pass", "retried", True)] * 7 + [("pass", "relayclient", None)] * 5 + [("pass", "whitelist 192.0.2.0/24", None)] * 3 \
    + [("greylist", "expired", True)] * 2
out = sys.stdout.buffer
written, now, pid = 0, 1_764_000_000, 1000
tai = (1 << 62) + 10
chunk = []
while written < size:
    now += rng.randrange(3)
    pid = pid + 1 if pid < 99_999 else 1000
    ip = rng.choice(addresses)
    action, reason, has_age = rng.choice(outcomes)
    if each_client and has_age is not None:
        ip = addresses[keyed] if keyed < clients else ip
        keyed += 1
    stamp = "@%016x%08x " % (tai + now, rng.randrange(1_000_000_000))
    fields = f"ip={ip}" + (f" key={ip}" if has_age is not None else "") + f" action={action}"
    if has_age:
        age = rng.randrange(300, 3600) if reason == "retried" else rng.randrange(1, 300) if reason == "early" else rng.randrange(86_400)
        fields += f" age={age}"
    block = (f"{stamp}tcpserver: status: 1/100\n{stamp}tcpserver: pid {pid} from {ip}\n"
             f"{stamp}tcpserver: ok {pid} mx.example.org:198.51.100.1:25 :{ip}::{rng.randrange(1024, 65536)}\n"
             f"{stamp}cqgreylist: pid={pid} {fields} reason={reason}\n{stamp}tcpserver: end {pid} status 0\n")
    chunk.append(block)
    written += len(block)
    if len(chunk) >= 10_000:
        out.write("".join(chunk).encode())
        chunk = []
out.write("".join(chunk).encode())
if each_client and keyed < clients:
    sys.exit(f"report-log.py: {size >> 20} MB hold {keyed} lines with a key, fewer than the {clients} clients")
