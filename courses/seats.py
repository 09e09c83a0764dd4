"""Seat arithmetic for a run with optional profession seat pools (職種別の優先枠).

A joint training may reserve seats per profession group (e.g. 8 for 医療・福祉職, 8 for
行政職) so that one profession cannot fill the room; the rest of the capacity is the open
(overflow) pool.  A person takes a reserved seat of their group while one is left, otherwise an
open seat.  Reserved seats that are still empty are never given to others, until the run's
``seat_pools_release_at`` (after which every free seat is open).

The same plan serves the write side (built under the run lock, see services) and the read side
(course pages), so both apply one rule.  Plain Python: no queries here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class PoolSeats:
    pool_id: int
    name: str
    seats: int
    professions: frozenset[int]
    taken: int = 0

    @property
    def unfilled(self) -> int:
        """Reserved seats still empty."""
        return max(self.seats - self.taken, 0)


@dataclass(frozen=True)
class Seat:
    """A free seat someone can take: in pool ``pool_id``, or open when ``pool_id`` is None."""

    pool_id: int | None


@dataclass
class SeatPlan:
    capacity: int
    pools: list[PoolSeats] = field(default_factory=list)
    open_taken: int = 0
    pools_released: bool = False

    @property
    def taken(self) -> int:
        return self.open_taken + sum(pool.taken for pool in self.pools)

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)

    def _active_pools(self) -> list[PoolSeats]:
        return [] if self.pools_released else self.pools

    def pool_of(self, profession_id: int | None) -> PoolSeats | None:
        for pool in self._active_pools():
            if profession_id is not None and profession_id in pool.professions:
                return pool
        return None

    def free_in_pool(self, pool: PoolSeats) -> int:
        return min(pool.unfilled, self.free)

    @property
    def free_open(self) -> int:
        """Free seats anyone may take: the free seats not held back for a pool."""
        return max(self.free - sum(pool.unfilled for pool in self._active_pools()), 0)

    def seat_for(self, profession_id: int | None) -> Seat | None:
        """The seat a person of this profession would get now, or None if none is free."""
        pool = self.pool_of(profession_id)
        if pool is not None and self.free_in_pool(pool) > 0:
            return Seat(pool.pool_id)
        if self.free_open > 0:
            return Seat(None)
        return None

    def take(self, seat: Seat) -> None:
        for pool in self.pools:
            if pool.pool_id == seat.pool_id:
                pool.taken += 1
                return
        self.open_taken += 1

    @classmethod
    def build(
        cls,
        *,
        capacity: int,
        pools: Iterable[tuple[int, str, int, Iterable[int]]],
        taken_by_pool: dict[int | None, int],
        pools_released: bool = False,
    ) -> SeatPlan:
        """``pools``: (id, name, seats, profession ids); ``taken_by_pool``: seats taken per pool
        id, open seats under None.  Seats counted in a pool that no longer exists are open."""
        plan = cls(capacity=capacity, pools_released=pools_released)
        for pool_id, name, seats, professions in pools:
            plan.pools.append(
                PoolSeats(
                    pool_id=pool_id,
                    name=name,
                    seats=seats,
                    professions=frozenset(professions),
                    taken=taken_by_pool.get(pool_id, 0),
                )
            )
        known = {pool.pool_id for pool in plan.pools}
        plan.open_taken = sum(n for pool_id, n in taken_by_pool.items() if pool_id not in known)
        return plan
