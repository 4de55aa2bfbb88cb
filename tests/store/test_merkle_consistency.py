"""RFC 6962 consistency proofs, against a brute-force recomputation of the trees."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nigran import merkle
from tests.store.test_checkpoint import reference_root


def reference_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF of RFC 6962 §2.1.2, written as the RFC states it."""
    n = len(leaves)
    if m == n:
        return [] if whole else [reference_root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*reference_subproof(m, leaves[:k], whole), reference_root(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def _leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [merkle.leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


@given(st.integers(1, 70), st.data())
def test_consistency_proof_matches_the_rfc_and_verifies(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(1, n))
    proof = merkle.consistency_proof(leaves, m)
    if m < n:
        assert proof == reference_subproof(m, leaves, True)
    old, new = reference_root(leaves[:m]), reference_root(leaves)
    assert merkle.verify_consistency(m, n, old, new, proof)


@given(st.integers(2, 70), st.data())
def test_consistency_fails_for_a_changed_prefix_or_a_wrong_proof(
    n: int, data: st.DataObject
) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(1, n - 1))
    proof = merkle.consistency_proof(leaves, m)
    old, new = reference_root(leaves[:m]), reference_root(leaves)
    # one of the first m leaves rewritten: the new tree does not extend the old one
    i = data.draw(st.integers(0, m - 1))
    rewritten = list(leaves)
    rewritten[i] = merkle.leaf_hash(b"forged")
    forged_root = reference_root(rewritten)
    assert not merkle.verify_consistency(
        m, n, old, forged_root, merkle.consistency_proof(rewritten, m)
    )
    assert not merkle.verify_consistency(m, n, reference_root(rewritten[:m]), new, proof)
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bent = list(proof)
        bent[j] = merkle.leaf_hash(b"bent")
        assert not merkle.verify_consistency(m, n, old, new, bent)
        assert not merkle.verify_consistency(m, n, old, new, proof[:-1])
    # the same proof does not pass for another pair of sizes
    if m + 1 < n:
        assert not merkle.verify_consistency(m + 1, n, old, new, proof)


def test_trivial_sizes() -> None:
    leaves = _leaves(5)
    r = merkle.root(leaves)
    assert merkle.consistency_proof(leaves, 0) == [] and merkle.consistency_proof(leaves, 5) == []
    assert merkle.verify_consistency(0, 5, merkle.root([]), r, [])
    assert merkle.verify_consistency(5, 5, r, r, [])
    assert not merkle.verify_consistency(5, 5, r, merkle.root(leaves[:4]), [])
    assert not merkle.verify_consistency(6, 5, r, r, [])
