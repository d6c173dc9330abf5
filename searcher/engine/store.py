"""Binary, memory-mapped column files: what per-segment side data is made of.

A *column folder* holds numpy arrays as ``.npy`` files (opened with
``mmap_mode="r"``, so opening costs nothing and the pages are shared between
processes) and string columns as two arrays: the UTF-8 bytes of every string
back to back (``NAME.blob.npy``) and where each starts (``NAME.off.npy``).  A
string column can also carry a hash index (``NAME.hash.npy`` sorted 64-bit
hashes, ``NAME.perm.npy`` the row of each) for lookups by value without
parsing anything at open time.  Nothing here is JSON that grows with the corpus.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import re

import numpy as np

_EMPTY_U64 = np.zeros(0, np.uint64)


def hash64(s: str) -> int:
    """A stable 64-bit hash of a string (the same in every process and run)."""
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


def hash64_many(strings) -> np.ndarray:
    return np.fromiter((hash64(s) for s in strings), np.uint64)


def save_arrays(folder: str, arrays: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, arr in arrays.items():
        np.save(os.path.join(folder, name + ".npy"), np.ascontiguousarray(arr))


# The header ``np.save`` writes for a C-ordered array of a plain dtype (format 1.0).
_HEADER = re.compile(rb"\{'descr': '([<>|=][a-zA-Z]\d*)', 'fortran_order': False, 'shape': \(((?:\d+, ?)*\d*)\), \}")


def load_array(folder: str, name: str) -> np.ndarray:
    """A column, memory-mapped read-only: a plain array over the mapping (which it keeps
    alive).  A start opens about a thousand columns at a million paragraphs, so the header
    ``np.save`` writes is read here with one regex instead of ``np.load``'s parser (which
    evaluates it as Python); anything else goes through ``np.load``."""
    path = os.path.join(folder, name + ".npy")
    with open(path, "rb") as f:
        head = f.read(128)
        m = _HEADER.match(head, 10) if head[:8] == b"\x93NUMPY\x01\x00" else None
        start = 10 + int.from_bytes(head[8:10], "little")
        if m is not None and len(head) >= start:
            shape = tuple(int(x) for x in m.group(2).split(b",") if x.strip())
            count = int(np.prod(shape, dtype=np.int64))
            if count:
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                return np.frombuffer(mm, np.dtype(m.group(1).decode()), count, start).reshape(shape)
    arr = np.load(path, mmap_mode="r")
    if arr.size == 0:  # numpy cannot map an empty file: read it plainly
        return np.load(path)
    # slicing a np.memmap runs Python code on every slice: queries slice thousands of times
    return arr.view(np.ndarray)


def string_arrays(name: str, strings) -> dict:
    """The two arrays of a string column: ``NAME.blob`` and ``NAME.off``."""
    enc = [s.encode("utf-8") for s in strings]
    off = np.zeros(len(enc) + 1, np.int64)
    if enc:
        np.cumsum([len(b) for b in enc], out=off[1:])
    blob = np.frombuffer(b"".join(enc), np.uint8) if enc else np.zeros(0, np.uint8)
    return {f"{name}.blob": blob, f"{name}.off": off}


def save_strings(folder: str, name: str, strings, index: bool = False) -> None:
    """Write a string column (and its hash index when ``index``)."""
    strings = list(strings)
    arrays = string_arrays(name, strings)
    if index:
        h = hash64_many(strings)
        perm = np.argsort(h, kind="stable")
        arrays[f"{name}.hash"] = h[perm]
        arrays[f"{name}.perm"] = perm.astype(np.int64)
    save_arrays(folder, arrays)


class Strings:
    """A string column read from a column folder (memory-mapped)."""

    @classmethod
    def from_arrays(cls, arrays: dict, name: str) -> "Strings":
        """A string column (without hash index) from ``string_arrays``' two arrays."""
        out = cls.__new__(cls)
        out.blob, out.off = arrays[f"{name}.blob"], arrays[f"{name}.off"]
        out.n = len(out.off) - 1
        out.hashes = out.perm = None
        return out

    def __init__(self, folder: str, name: str):
        self.blob = load_array(folder, f"{name}.blob")
        self.off = load_array(folder, f"{name}.off")
        self.n = len(self.off) - 1
        hp = os.path.join(folder, f"{name}.hash.npy")
        if os.path.exists(hp):
            self.hashes = load_array(folder, f"{name}.hash")
            self.perm = load_array(folder, f"{name}.perm")
        else:
            self.hashes = self.perm = None

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        a, b = int(self.off[i]), int(self.off[i + 1])
        return bytes(self.blob[a:b]).decode("utf-8")

    def __iter__(self):
        blob = bytes(self.blob)
        off = self.off.tolist()
        for i in range(self.n):
            yield blob[off[i]:off[i + 1]].decode("utf-8")

    def tolist(self) -> list[str]:
        return list(self)

    def find(self, s: str) -> int:
        """Row of ``s``, or -1 (needs the hash index)."""
        h = np.uint64(hash64(s))
        i = int(np.searchsorted(self.hashes, h))
        while i < len(self.hashes) and self.hashes[i] == h:
            row = int(self.perm[i])
            if self[row] == s:
                return row
            i += 1
        return -1

    def find_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Rows of strings with these hashes (-1 where absent); a hash collision
        between two different strings is possible in principle and ignored."""
        if self.hashes is None or not len(self.hashes):
            return np.full(len(hashes), -1, np.int64)
        i = np.searchsorted(self.hashes, hashes)
        i = np.minimum(i, len(self.hashes) - 1)
        found = self.hashes[i] == hashes
        return np.where(found, self.perm[i], -1)


class Ragged:
    """Variable-length rows of one dtype: ``data[off[i]:off[i+1]]`` is row i."""

    def __init__(self, data: np.ndarray, off: np.ndarray):
        self.data, self.off = data, off

    @classmethod
    def from_rows(cls, rows, dtype) -> "Ragged":
        off = np.zeros(len(rows) + 1, np.int64)
        if rows:
            np.cumsum([len(r) for r in rows], out=off[1:])
        data = np.concatenate([np.asarray(r, dtype) for r in rows]) if rows and off[-1] else np.zeros(0, dtype)
        return cls(data, off)

    @classmethod
    def load(cls, folder: str, name: str) -> "Ragged":
        return cls(load_array(folder, f"{name}.data"), load_array(folder, f"{name}.off"))

    def save(self, folder: str, name: str) -> None:
        save_arrays(folder, {f"{name}.data": self.data, f"{name}.off": self.off})

    def __len__(self) -> int:
        return len(self.off) - 1

    def row(self, i: int) -> np.ndarray:
        return self.data[int(self.off[i]):int(self.off[i + 1])]

    def take(self, rows: np.ndarray) -> "Ragged":
        """A new Ragged of the given rows, in that order (copies)."""
        rows = np.asarray(rows, np.int64)
        lens = (self.off[rows + 1] - self.off[rows]).astype(np.int64)
        off = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(lens, out=off[1:])
        idx = np.repeat(self.off[rows] - off[:-1], lens) + np.arange(int(off[-1]), dtype=np.int64)
        return Ragged(np.asarray(self.data)[idx] if len(idx) else np.zeros(0, self.data.dtype), off)

    @staticmethod
    def concat(parts: list["Ragged"]) -> "Ragged":
        if not parts:
            return Ragged(np.zeros(0, np.uint32), np.zeros(1, np.int64))
        data = np.concatenate([np.asarray(p.data) for p in parts])
        offs, base = [np.zeros(1, np.int64)], 0
        for p in parts:
            offs.append(np.asarray(p.off[1:], np.int64) + base)
            base += int(p.off[-1])
        return Ragged(data, np.concatenate(offs))
