"""Small numpy helpers: money in integer cents, times of day, exact shares, ASCII digit matrices."""

from __future__ import annotations

import math

import numpy as np

from .catalogue import TIER_FLOORS


def log_uniform(rng, lo, hi, n):
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


def to_cents(yuan) -> np.ndarray:
    return np.round(np.asarray(yuan, dtype=np.float64) * 100).astype(np.int64)


def round_to_yuan(yuan, unit) -> np.ndarray:
    """Yuan rounded to a multiple of `unit` yuan, as cents."""
    return (np.round(np.asarray(yuan, dtype=np.float64) / unit).astype(np.int64) * unit * 100).astype(np.int64)


def seconds_into_day(rng, n, from_hour: float, to_hour: float) -> np.ndarray:
    """Random second of the day between two hours (local time)."""
    return rng.integers(int(from_hour * 3600), int(to_hour * 3600), n).astype(np.int64)


def split_by_shares(rng, n: int, shares) -> np.ndarray:
    """Variant index per customer in exact proportions (shuffled), so small groups still get every variant."""
    shares = np.asarray(shares, dtype=np.float64) / np.sum(shares)
    counts = np.floor(shares * n).astype(np.int64)
    rest = n - counts.sum()
    counts[np.argsort(-(shares * n - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def clear_of_tier_floors(cents: np.ndarray, margin: float = 0.15) -> np.ndarray:
    """Cents moved up out of the band +-margin around each tier floor, so noise cannot flip the tier."""
    out = np.asarray(cents, dtype=np.int64).copy()
    for floor in TIER_FLOORS.values():
        floor_cents = floor * 100
        near = (out >= (1 - margin) * floor_cents) & (out < (1 + margin) * floor_cents)
        out[near] += int((2 * margin + 0.05) * floor_cents)
    return out


def broadcast(value, n, dtype=np.int64) -> np.ndarray:
    """A scalar repeated n times, or the array itself, as dtype."""
    a = np.asarray(value, dtype=dtype)
    return np.full(n, a, dtype=dtype) if a.ndim == 0 else a.astype(dtype, copy=False)


def ascii_digits(nums: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 ASCII digits of non-negative integers, zero padded."""
    out = np.empty((len(nums), width), dtype=np.uint8)
    x = np.asarray(nums, dtype=np.int64).copy()
    for k in range(width - 1, -1, -1):
        out[:, k] = (x % 10).astype(np.uint8) + 48
        x //= 10
    return out


def ascii_to_str(mat: np.ndarray) -> np.ndarray:
    """(n, w) uint8 ASCII -> numpy unicode strings."""
    mat = np.ascontiguousarray(mat)
    return mat.view(f"S{mat.shape[1]}").ravel().astype(f"U{mat.shape[1]}")
