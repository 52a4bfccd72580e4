#!/usr/bin/env python3
"""Derives the expected frequency tables in tests/test_frequencies.cpp.

Each table is computed from the published formula of its method, step by step
in float32 the way Hugging Face transformers evaluates it with PyTorch tensors:
every tensor operation is one float32 rounding, a Python scalar meets a float32
tensor as a float32 value, `scalar / tensor` is `reciprocal(tensor) * scalar`,
and `base ** tensor` is a correctly rounded float32 pow (evaluated here with
mpmath at 100 digits, then rounded). Scalar-only quantities (correction dims,
attention factors, NTK bases) stay in double, as in Python.

Run: python3 tests/tools/derive_frequencies.py  (prints the C++ tables)
"""
import math
import struct

import mpmath

mpmath.mp.dps = 100


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def powf(base, exponent):
    return f32(mpmath.power(mpmath.mpf(f32(base)), mpmath.mpf(f32(exponent))))


def exponents(dim):
    # torch.arange(0, dim, 2).float() / dim
    return [f32(f32(2 * i) / dim) for i in range(dim // 2)]


def default(base, dim):
    # 1.0 / (base ** exponent)
    return [f32(1.0 / powf(base, e)) for e in exponents(dim)]


def linear(base, dim, factor):
    return [f32(v / f32(factor)) for v in default(base, dim)]


def ntk_aware(base, dim, alpha):
    return default(base * alpha ** (dim / (dim - 2)), dim)


def dynamic(base, dim, factor, orig, seq_len):
    seq_len = seq_len if seq_len > orig else orig
    base = base * ((factor * seq_len / orig) - (factor - 1)) ** (dim / (dim - 2))
    return default(base, dim)


def yarn_inv(base, dim, factor, orig, beta_fast, beta_slow, truncate):
    def corr_dim(rot):
        return (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))

    low, high = corr_dim(beta_fast), corr_dim(beta_slow)
    if truncate:
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    out = []
    for i, e in enumerate(exponents(dim)):
        pos = powf(base, e)
        extrap = f32(1.0 / pos)
        interp = f32(1.0 / f32(f32(factor) * pos))
        ramp = f32(f32(f32(i) - f32(low)) / f32(high - low))
        ramp = min(max(ramp, 0.0), 1.0)
        ef = f32(1 - ramp)
        out.append(f32(f32(interp * f32(1 - ef)) + f32(extrap * ef)))
    return out


def yarn_attention(factor, mscale=None, mscale_all_dim=None):
    def get(s, m=1):
        return 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0

    if mscale and mscale_all_dim:
        return get(factor, mscale) / get(factor, mscale_all_dim)
    return get(factor)


def llama3(base, dim, factor, low_ff, high_ff, orig):
    inv = default(base, dim)
    low_wl, high_wl = f32(orig / low_ff), f32(orig / high_ff)
    out = []
    for v in inv:
        wl = f32(f32(1.0 / v) * f32(2 * math.pi))
        scaled = f32(v / f32(factor)) if wl > low_wl else v
        if not (wl < high_wl) and not (wl > low_wl):
            s = f32(f32(f32(f32(1.0 / wl) * f32(orig)) - f32(low_ff)) / f32(high_ff - low_ff))
            scaled = f32(f32(f32(f32(1 - s) * scaled) / f32(factor)) + f32(s * scaled))
        out.append(scaled)
    return out


def longrope(base, dim, ext):
    return [f32(1.0 / f32(f32(x) * powf(base, e))) for x, e in zip(ext, exponents(dim))]


def proportional(base, dim, partial, factor):
    k = int(partial * dim / 2)
    return [f32(v / f32(factor)) if i < k else 0.0 for i, v in enumerate(default(base, dim))]


def cxx(name, values):
    body = ", ".join(float(v).hex() + "f" for v in values)
    return f"const std::vector<float> {name} = {{{body}}};"


short = [1.0 + 0.01 * i for i in range(48)]
long_ = [1.0 + 0.75 * i for i in range(48)]

print(cxx("kDefault128", default(10000.0, 128)))
print(cxx("kDefault96", default(10000.0, 96)))
print(cxx("kLinear", linear(10000.0, 128, 4.0)))
print(cxx("kNtkAware", ntk_aware(10000.0, 128, 8.0)))
print(cxx("kDynamic", dynamic(10000.0, 128, 2.0, 4096, 16384)))
print(cxx("kNtkByParts", yarn_inv(10000.0, 128, 16.0, 4096, 32.0, 1.0, True)))
print(cxx("kYarnQwen", yarn_inv(1000000.0, 128, 4.0, 32768, 32.0, 1.0, True)))
print(cxx("kYarnNoTruncate", yarn_inv(150000.0, 64, 32.0, 4096, 32.0, 1.0, False)))
print(cxx("kLlama3", llama3(500000.0, 128, 8.0, 1.0, 4.0, 8192)))
print(cxx("kLongRopeShort", longrope(10000.0, 96, short)))
print(cxx("kLongRopeLong", longrope(10000.0, 96, long_)))
print(cxx("kProportional", proportional(10000.0, 256, 0.25, 8.0)))
print("// attention factors")
print("yarn qwen", repr(f32(yarn_attention(4.0))))
print("yarn deepseek", repr(f32(yarn_attention(40.0, 0.707, 1.0))))
print("longrope", repr(f32(math.sqrt(1 + math.log(131072 / 4096) / math.log(4096)))))
