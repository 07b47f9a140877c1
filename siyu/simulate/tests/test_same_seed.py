"""Same seed, same output: the world and the rows of a run, pinned byte for byte.

The digests below were computed on the simulator before its generator was split into stages and its
world into parts. A change that moves code around keeps them; a change to the model, or to the order
of its random draws, changes them (and must say so by updating them on purpose). Float arrays are
hashed at single precision: the digests first pinned at double precision held on one CPU and not on
another (AMD EPYC without AVX-512), whose vectorised exp/log differ in the last bit. They were re-pinned
at single precision on the tree they were first computed on (6c07bf7), which gives the same leaves as now.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from typing import Any

import numpy as np

from siyu.simulate import generator as g
from siyu.simulate import model as m
from siyu.simulate.writers import LABELS

WORLD_DIGESTS = {
    "default": "7e80d8a3be8ee1a8e22712745354be46a91fdea8cd076d552bf570744da972cf",
    "loyal": "1cd0ed4f5ee0eba7f1742a66a07d948d55633e426541d8df935c562b36b2019c",
}
CHUNK_DIGESTS = {
    "default": "132a3b468f01aa310106492c6c211f5f5efe6d8dfe989934af84538ec861cb5e",
    "loyal": "c6e74d905ce2943e657dab727a1d05f44f7345e2bcbb74d6a2ccba97d7fbb75a",
}


# Codes of open pickups these chunks would otherwise draw (the first twice over), so they move on.
TAKEN_PICKUP_CODES = frozenset({"37166864", "37166865", "74418829"})


def _world(params: m.SimulationParams) -> g.World:
    """A small merchant: six products in five categories, two outlets (one without pickup)."""
    names = ["冷泡乌龙", "龙井礼盒", "每日坚果", "红茶口粮", "白瓷盖碗", "中秋月饼礼盒"]
    return g.build_world(
        params=params,
        seed=11,
        customers=600,
        first_day=date(2025, 5, 20),
        days=200,
        utc_offset_seconds=8 * 3600,
        merchant=g.MerchantInput(3, 800, 9900, 15, 10, 7),
        catalogue=g.CatalogueInput(
            product_ids=[21, 22, 23, 24, 25, 26],
            product_names=names,
            product_keywords=["冷泡 乌龙", "礼盒", "坚果", "红茶", "", "中秋 礼盒"],
            product_images=["a.jpg", "", "", "", "", "f.jpg"],
            product_roles=[
                ("traffic_driver",),
                ("flagship", "bundle"),
                ("retention_staple",),
                (),
                (),
                ("new_customer_trial",),
            ],
            product_sort_orders=[90, 20, 60, 40, 10, 0],
            product_category_names=["花草茶·冷泡", "节礼茶盒", "坚果炒货", "红茶", "杯壶", "节礼茶盒"],
            sku_ids=[201, 202, 203, 204, 205, 206, 207, 208],
            sku_products=[0, 0, 1, 2, 3, 4, 5, 5],
            sku_prices=[990, 2590, 68800, 2990, 5900, 6800, 12800, 19800],
            sku_codes=["A1", "A2", "B1", "C1", "D1", "E1", "F1", "F2"],
            sku_specs=[{"规格": "10包"}, {"规格": "30包"}, {}, {}, {}, {}, {"规格": "4枚"}, {"规格": "8枚"}],
        ),
        outlets=g.OutletInput(
            [7, 8], ["上海市", "杭州市"], ["上海市", "浙江省"], ["静安区", "西湖区"], [True, False]
        ),
    )


def _leaf(h: Any, value: Any) -> None:
    """Feed one value to the hash: arrays by dtype, shape and bytes; everything else by its repr."""
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        if value.dtype == object:
            h.update(repr(value.tolist()).encode())
        elif value.dtype.kind == "f":
            # numpy's vectorised exp/log may differ in the last bit from one CPU's SIMD to another's
            # (AVX-512 or not): hash floats at single precision, which such a difference never reaches.
            h.update(np.ascontiguousarray(value, dtype=np.float32).tobytes())
        else:
            h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, g.Cat):
        _leaf(h, value.codes)
        h.update(repr(value.vocab).encode())
    else:
        h.update(f"{type(value).__name__}:{value!r}".encode())


def _leaves(value: Any) -> list[Any]:
    """The values a world holds, however they are grouped into parts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [x for f in dataclasses.fields(value) for x in _leaves(getattr(value, f.name))]
    return [value]


def world_digest(world: g.World) -> str:
    """One digest of every value of the world, independent of the parts they are grouped in."""
    parts = []
    for value in _leaves(world):
        h = hashlib.sha256()
        _leaf(h, value)
        parts.append(h.hexdigest())
    return hashlib.sha256("".join(sorted(parts)).encode()).hexdigest()


def chunk_digest(chunks: list[g.Chunk]) -> str:
    """One digest of the tables (columns in name order), referrer pools and stats of the chunks."""
    h = hashlib.sha256()
    for chunk in chunks:
        for table in chunk.tables:
            h.update(f"{table.label}:{table.size}".encode())
            for name in sorted(table.columns):
                h.update(name.encode())
                _leaf(h, table.columns[name])
        for value in (chunk.pool.ids, chunk.pool.first, chunk.pool.weight, chunk.pool.capacity):
            _leaf(h, value)
        h.update(repr(sorted(chunk.stats.items())).encode())
    return h.hexdigest()


def _run(world: g.World) -> list[g.Chunk]:
    """Three chunks in a row, the referrer pool carried over (and thinned), pickup codes already taken."""
    chunks: list[g.Chunk] = []
    pool = g.ReferrerPool(capacity=150)
    size = 200
    bases = [10_000 * (i + 1) for i in range(len(LABELS))]
    for index in range(3):
        ids = g.IdBases(*(base + 5_000 * index for base in bases))
        chunk = g.generate_chunk(
            world,
            index=index,
            first=index * size,
            count=size,
            ids=ids,
            pool=pool,
            taken_pickup_codes=TAKEN_PICKUP_CODES,
        )
        chunks.append(chunk)
        pool = chunk.pool
    return chunks


def test_same_seed_gives_the_same_world_and_rows_as_before():
    for name, params in (("default", m.SimulationParams()), ("loyal", m.loyal_params())):
        world = _world(params)
        assert world_digest(world) == WORLD_DIGESTS[name], name
        assert chunk_digest(_run(world)) == CHUNK_DIGESTS[name], name
