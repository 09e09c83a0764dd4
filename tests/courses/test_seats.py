"""courses.seats: the one rule for reserved (profession) and open seats."""

from courses.seats import Seat, SeatPlan

MEDICAL, WELFARE, ADMIN = 1, 2, 3


def plan(capacity=10, taken=None, released=False) -> SeatPlan:
    return SeatPlan.build(
        capacity=capacity,
        pools=[(7, "医療職", 3, [MEDICAL]), (8, "福祉職", 2, [WELFARE])],
        taken_by_pool=taken or {},
        pools_released=released,
    )


def test_a_person_of_a_reserved_profession_takes_a_reserved_seat_first():
    assert plan().seat_for(MEDICAL) == Seat(7)
    assert plan().seat_for(WELFARE) == Seat(8)


def test_others_and_people_without_a_profession_take_open_seats():
    assert plan().seat_for(ADMIN) == Seat(None)
    assert plan().seat_for(None) == Seat(None)


def test_open_seats_are_capacity_minus_the_reserved_seats_still_empty():
    seats = plan(capacity=10, taken={None: 4})
    assert seats.free == 6
    assert seats.free_open == 1  # 5 reserved seats are still empty
    seats.take(Seat(None))
    assert seats.seat_for(ADMIN) is None
    assert seats.seat_for(MEDICAL) == Seat(7)


def test_a_full_pool_sends_its_professions_to_the_open_seats():
    seats = plan(capacity=10, taken={7: 3})
    assert seats.seat_for(MEDICAL) == Seat(None)


def test_nothing_is_free_once_the_run_is_full_even_if_a_pool_is_overfilled():
    # Staff cut a pool below what it holds: the run's capacity still bounds everything.
    seats = SeatPlan.build(
        capacity=5, pools=[(7, "医療職", 1, [MEDICAL])], taken_by_pool={7: 3, None: 2}
    )
    assert seats.free == 0
    assert seats.seat_for(MEDICAL) is None
    assert seats.seat_for(ADMIN) is None


def test_released_pools_make_every_free_seat_open():
    seats = plan(capacity=10, taken={None: 5}, released=True)
    assert seats.free_open == 5
    assert seats.seat_for(ADMIN) == Seat(None)
    assert seats.seat_for(MEDICAL) == Seat(None)


def test_seats_counted_in_a_deleted_pool_count_as_open():
    seats = plan(capacity=10, taken={99: 2, None: 1})
    assert seats.open_taken == 3
    assert seats.free == 7


def test_without_pools_every_seat_is_open():
    seats = SeatPlan.build(capacity=2, pools=[], taken_by_pool={None: 1})
    assert seats.seat_for(MEDICAL) == Seat(None)
    seats.take(Seat(None))
    assert seats.seat_for(MEDICAL) is None
