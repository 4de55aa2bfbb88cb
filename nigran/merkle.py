"""A Merkle tree over ledger entry hashes, as in Certificate Transparency (RFC 6962 §2.1).

Written here because the algorithm is small and exact, and the Python Merkle libraries either pull
in more than they give or hash leaves differently from RFC 6962, which would make Nigran's proofs
unverifiable by standard CT tooling. Leaves and inner nodes are domain-separated (0x00 / 0x01
prefixes) so an inner node can never be passed off as a leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash of already-hashed leaves (``leaf_hash`` outputs)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # Bottom-up, pairing left to right and carrying an odd last node up unchanged: the same tree
    # as RFC 6962's recursive split on the largest power of two.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree over ``leaves`` (RFC 6962 PATH)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is outside a tree of {len(leaves)} leaves")
    path: list[bytes] = []

    def walk(lo: int, hi: int, m: int) -> None:
        n = hi - lo
        if n == 1:
            return
        k = _split(n)
        if m < k:
            walk(lo, lo + k, m)
            path.append(root(leaves[lo + k : hi]))
        else:
            walk(lo + k, hi, m - k)
            path.append(root(leaves[lo : lo + k]))

    walk(0, len(leaves), index)
    return path


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], expected: bytes
) -> bool:
    """Recompute the root from a leaf and its audit path (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected


def consistency_proof(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2: the hashes that show the tree over ``leaves[:first]`` is
    a prefix of the tree over ``leaves`` (nothing before ``first`` was changed or removed)."""
    n = len(leaves)
    if not 0 <= first <= n:
        raise ValueError(f"cannot prove a tree of {first} leaves inside one of {n}")
    if first in (0, n):
        return []
    proof: list[bytes] = []

    def sub(m: int, lo: int, hi: int, whole: bool) -> None:
        n_ = hi - lo
        if m == n_:
            if not whole:
                proof.append(root(leaves[lo:hi]))
            return
        k = _split(n_)
        if m <= k:
            sub(m, lo, lo + k, whole)
            proof.append(root(leaves[lo + k : hi]))
        else:
            sub(m - k, lo + k, hi, False)
            proof.append(root(leaves[lo : lo + k]))

    sub(first, 0, n, True)
    return proof


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof between tree sizes ``first`` <= ``second`` (RFC 9162
    §2.1.4.2): the tree with ``second_root`` extends the one with ``first_root``."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof  # every tree extends the empty one
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
