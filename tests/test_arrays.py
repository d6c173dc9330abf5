"""The numpy shortcuts give what numpy's own operations give."""
import numpy as np

from searcher import arrays


def test_orders_are_lexsorts_orders():
    rng = np.random.default_rng(4)
    for n in (0, 1, 7, 1000, 20000):
        a = np.sort(rng.integers(0, 50, n)).astype(np.int64)  # sorted runs, as per-segment lists
        for b in (rng.integers(0, 4, n), rng.integers(0, 1 << 30, n)):  # many ties in both; wide
            assert np.array_equal(arrays.order_by(a, b), np.lexsort((b, a)))
            assert np.array_equal(arrays.order_by(a[::-1].copy(), b), np.lexsort((b, a[::-1])))
        big = rng.integers(0, 1 << 62, n, dtype=np.int64)  # too wide to pack: numpy's lexsort
        assert np.array_equal(arrays.order_by(big, a), np.lexsort((a, big)))
        h = rng.integers(0, 1 << 63, n, dtype=np.uint64)
        h[1::2] = h[: n // 2 * 2: 2][: len(h[1::2])]  # hashes shared by several rows
        owner = rng.integers(0, 5, n)
        got, ref = arrays.order_by_hash(h, owner), np.lexsort((owner, h))
        assert np.array_equal(h[got], h[ref]) and np.array_equal(owner[got], owner[ref])
        assert sorted(got.tolist()) == list(range(n))
