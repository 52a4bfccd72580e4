#!/usr/bin/env python3
"""Derives the expected T5 and DeBERTa bucket tables in tests/test_encodings.cpp.

T5 (Raffel et al. 2020; the Hugging Face `_relative_position_bucket`), in the
float32 steps the reference takes:
    n = |rel| (bidirectional: buckets halved, positive side offset) or max(-rel, 0)
    max_exact = buckets // 2
    large = max_exact + int(fl32(fl32(fl32(log(fl32(n / max_exact))) / fl32(log(max_distance / max_exact)))
                                 * (buckets - max_exact)))
    bucket = n if n < max_exact else min(large, buckets - 1)
Printed as the list of |rel| where the bucket of the non-negative side changes,
for 0 <= n <= 100000 (the bucket is constant between them), per setting.

DeBERTa-v2 `make_log_bucket_position` (He et al. 2021), float32 as well:
    mid = bucket_size // 2
    abs = mid - 1 if -mid < rel < mid else |rel|
    log_pos = ceil(fl32(fl32(fl32(log(fl32(abs / mid))) / fl32(log(fl32((max_position - 1) / mid)))) * (mid - 1))) + mid
    bucket = rel if abs <= mid else log_pos * sign(rel)
Printed as the (rel, bucket) pairs where it changes for 0 <= rel <= 5000 (it
is odd: bucket(-rel) = -bucket(rel), checked while deriving).

Run: python3 tests/tools/derive_buckets.py
"""
import math
import struct


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def logf(x):
    return f32(math.log(f32(x)))


def t5_bucket_magnitude(n, buckets, max_distance):
    max_exact = buckets // 2
    if n < max_exact:
        return n
    ratio = f32(n / max_exact)
    scaled = f32(f32(logf(ratio) / f32(math.log(max_distance / max_exact))) * f32(buckets - max_exact))
    return min(max_exact + int(scaled), buckets - 1)


def deberta(rel, bucket_size, max_position):
    mid = bucket_size // 2
    a = mid - 1 if -mid < rel < mid else abs(rel)
    num = logf(f32(a / mid))
    den = logf(f32((max_position - 1) / mid))
    log_pos = math.ceil(f32(f32(num / den) * f32(mid - 1))) + mid
    sign = (rel > 0) - (rel < 0)
    return rel if a <= mid else int(log_pos) * sign


for buckets, max_distance in [(32, 128), (64, 256), (16, 64)]:
    for half in (False, True):
        b = buckets // 2 if half else buckets
        changes, last = [], None
        for n in range(0, 100001):
            v = t5_bucket_magnitude(n, b, max_distance)
            if v != last:
                changes.append(n)
                last = v
        print(f"// buckets {buckets} max_distance {max_distance} {'bidirectional' if half else 'unidirectional'}")
        print("{" + ", ".join(map(str, changes)) + "},")

for bucket_size, max_position in [(256, 512), (64, 128)]:
    changes, last = [], None
    for r in range(0, 5001):
        v = deberta(r, bucket_size, max_position)
        assert deberta(-r, bucket_size, max_position) == -v
        if v != last:
            changes.append((r, v))
            last = v
    print(f"// deberta {bucket_size}/{max_position}: (rel, bucket) where the bucket changes, 0 <= rel <= 5000")
    print("{" + ", ".join(f"{{{r}, {v}}}" for r, v in changes) + "},")
