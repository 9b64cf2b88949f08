"""One small-cell rule for every figure: nothing below k is shown, nor can be worked out from a total."""

from hypothesis import given
from hypothesis import strategies as st

from ecoute.stats.suppression import suppress, suppress_each


def test_cells_below_k_are_hidden_and_merged():
    shown = suppress({"infirmier": 40, "medecin": 25, "veterinaire": 4, "sage-femme": 7}, k=10)
    assert shown.visible == {"infirmier": 40, "medecin": 25}
    assert shown.hidden == {"veterinaire", "sage-femme"} and shown.hidden_total == 11


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    shown = suppress({"a": 50, "b": 12, "c": 3}, k=10)
    assert shown.hidden == {"b", "c"} and shown.hidden_total == 15
    assert shown.value("a") == 50 and shown.value("b") is None


def test_when_everything_is_small_nothing_is_said():
    shown = suppress({"a": 3, "b": 4}, k=10)
    assert shown.visible == {} and shown.hidden_total is None


def test_zero_is_not_a_secret():
    assert suppress({"a": 0, "b": 30}, k=10).visible == {"a": 0, "b": 30}


@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(min_value=0, max_value=60), max_size=12),
    st.integers(min_value=1, max_value=20),
)
def test_no_visible_cell_is_small_and_what_is_hidden_cannot_be_worked_out(cells, k):
    shown = suppress(cells, k)
    assert all(count == 0 or count >= k for count in shown.visible.values())
    assert set(shown.visible) | shown.hidden == set(cells)
    hidden_sum = sum(cells[key] for key in shown.hidden)
    # The total minus the visible cells gives the hidden sum: it is never a small number.
    assert (
        hidden_sum == 0 or hidden_sum >= k or not shown.visible or all(v == 0 for v in shown.visible.values())
    )


def test_a_value_hidden_in_one_grid_period_is_hidden_in_their_sum():
    shown = suppress_each([{"06": 3, "75": 40, "13": 20}, {"06": 12, "75": 35, "13": 30}], k=10)
    assert shown.value("06") is None and shown.value("13") is None and shown.value("75") == 75
    # The first period hides 06 and, to make its merged line reach k, 13: both stay merged in the sum.
    assert shown.hidden_total == 3 + 20 + 12 + 30


def test_a_grid_period_with_fewer_than_k_contacts_is_left_out_of_the_sum():
    # Three first calls in a quiet quarter, then twenty of each: merged with the second quarter's
    # figures, the three could be subtracted back out (23 merged minus the 20 shown by that quarter).
    shown = suppress_each([{"non": 3, "oui": 0}, {"non": 20, "oui": 20}], k=10)
    assert shown.visible == {"non": 20, "oui": 20} and not shown.hidden


periods_of_cells = st.lists(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(min_value=0, max_value=40), max_size=6),
    min_size=1,
    max_size=5,
)


@given(periods_of_cells, st.integers(min_value=2, max_value=15))
def test_no_difference_of_two_spans_of_grid_periods_is_a_small_cell(units, k):
    """Every span of consecutive periods against every span inside it: what a differencing attacker does."""
    spans = {
        (i, j): suppress_each(units[i:j], k) for i in range(len(units)) for j in range(i + 1, len(units) + 1)
    }
    for (i, j), large in spans.items():
        assert large.hidden_total is None or large.hidden_total >= k
        for (a, b), small in spans.items():
            if (a, b) == (i, j) or not (i <= a and b <= j):
                continue
            for key, count in large.visible.items():
                if key in small.visible:
                    assert count - small.visible[key] == 0 or count - small.visible[key] >= k
            if large.hidden_total is not None and small.hidden_total is not None:
                # Merged lines differ by the periods' own merged lines and cells they show: each 0 or at least k.
                rest = large.hidden_total - small.hidden_total
                assert rest == 0 or rest >= k
