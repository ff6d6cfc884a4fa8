#!/usr/bin/env python3
"""Writes the small .npy/.npz fixtures of Tests/Fixtures/npy with real NumPy.

Regenerate (from the repository root):  python3 scripts/make-npy-fixtures.py
The NumPy tests (Tests/NumPyTests) know the values below; change both together.

Every array's values come from `base(dtype)`: arange(6).reshape(2, 3), shifted
to cover negatives for signed and float types.
"""
import io
import os
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "npy")

DTYPES = ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]


def base(code):
    """The 2x3 array each dtype fixture holds."""
    a = np.arange(6).reshape(2, 3)
    if code == "b1":
        return (a % 2 == 1)
    if code.startswith("f"):
        return (a * 0.5 - 1.0).astype(code)   # -1.0 -0.5 0.0 0.5 1.0 1.5
    if code.startswith("i"):
        return (a - 2).astype(code)           # -2 -1 0 1 2 3
    return (a + 250).astype(code)             # 250 ... 255 (u1 stays in range)


def arrays():
    """The contents of dtypes.npz, in order."""
    out = {code: base(code) for code in DTYPES}
    out["scalar"] = np.float32(3.5)
    out["empty"] = np.zeros((0, 3), np.float32)
    out["vector"] = np.arange(4, dtype=np.int64)
    out["i8_extremes"] = np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max], np.int64)
    out["u8_max"] = np.array([np.iinfo(np.uint64).max], np.uint64)
    out["f4_special"] = np.array([np.nan, np.inf, -np.inf, -0.0], np.float32)
    out["f2_special"] = np.array([65504.0, 6.1035156e-05, 5.9604645e-08, np.inf], np.float16)
    return out


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def npy_bytes(array, version=None, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=version, allow_pickle=allow_pickle)
    return buf.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    a = arrays()
    np.savez(os.path.join(OUT, "dtypes.npz"), **a)
    np.savez_compressed(os.path.join(OUT, "dtypes_compressed.npz"), **a)
    for major in (1, 2, 3):
        write(f"v{major}.npy", npy_bytes(base("f4"), version=(major, 0)))
    # Error cases: each should be rejected with a one-line error naming file and array.
    write("big_endian.npy", npy_bytes(base("f4").astype(">f4")))
    write("fortran.npy", npy_bytes(np.asfortranarray(base("f4"))))
    write("object.npy", npy_bytes(np.array([1, "a", None], dtype=object), allow_pickle=True))
    write("structured.npy", npy_bytes(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")])))
    write("unicode.npy", npy_bytes(np.array(["ab", "c"])))
    write("complex.npy", npy_bytes(np.zeros(2, np.complex64)))
    good = npy_bytes(base("f4"))
    write("truncated.npy", good[:-5])
    write("too_long.npy", good + b"\0\0\0\0")
    write("truncated_header.npy", good[:40])
    write("not_npy.npy", b"PK\x03\x04 this is not an array")
    zipped = open(os.path.join(OUT, "dtypes.npz"), "rb").read()
    write("truncated.npz", zipped[: len(zipped) // 2])
    # Flip bytes inside the f4 entry's data (second entry): its CRC no longer matches.
    corrupt = bytearray(zipped)
    start = corrupt.index(b"\x93NUMPY", corrupt.index(b"\x93NUMPY") + 1) + 130
    corrupt[start:start + 4] = b"\xde\xad\xbe\xef"
    write("corrupt.npz", bytes(corrupt))
    with zipfile.ZipFile(os.path.join(OUT, "not_npy_entry.npz"), "w") as z:
        z.writestr("x.npy", good)
        z.writestr("readme.txt", "not an array")
    with zipfile.ZipFile(os.path.join(OUT, "bad_array.npz"), "w") as z:
        z.writestr("good.npy", good)
        z.writestr("speech.npy", npy_bytes(base("f4").astype(">f4")))


if __name__ == "__main__":
    main()
