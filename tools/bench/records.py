#!/usr/bin/env python3
"""Writes N cqgreylist records into DIR, spread the way mail traffic spreads them: most IPv4 clients in a
few busy /8s and /16s (a Zipf-like draw), a fifth IPv6 /64s under a handful of provider prefixes. Half the
records are expired (pending or passed, 40 to 400 days old), half are fresh (under a day old), so a cleaner
and `find -mtime +1 -delete` remove the same files. For the benchmark only.

    records.py DIR N [SEED]
"""
import os
import random
import sys
import time

directory, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
now = time.time()
busy_octets = [rng.randrange(1, 224) for _ in range(220)]
providers = [0x2001, 0x2a00, 0x2a01, 0x2a02, 0x2600, 0x2607, 0x2604, 0x2a03]
made = set()
while len(made) < count:
    if rng.random() < 0.8:
        first = busy_octets[min(int(rng.paretovariate(1.2)) - 1, len(busy_octets) - 1)]
        second = min(int(rng.paretovariate(0.8)) - 1, 255)
        parent, name = str(first), f"{first}.{second}.{rng.randrange(256)}.{rng.randrange(256)}"
    else:
        group = providers[min(int(rng.paretovariate(1.0)) - 1, len(providers) - 1)]
        parent, name = f"{group:x}", f"{group:x}:{rng.randrange(1, 65536):x}:{rng.randrange(1, 65536):x}:{rng.randrange(1, 65536):x}::"
    if name in made:
        continue
    made.add(name)
    os.makedirs(os.path.join(directory, parent), mode=0o700, exist_ok=True)
    path = os.path.join(directory, parent, name)
    passed = rng.random() < 0.5
    with open(path, "wb") as record:
        if passed:
            record.write(b"passed\n")
    age = rng.uniform(40, 400) * 86400 if len(made) % 2 else rng.uniform(0, 0.9) * 86400
    os.utime(path, (now - age, now - age))
