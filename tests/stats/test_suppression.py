"""One small-cell rule for every figure: nothing below k is shown, nor can be worked out from a total."""

from hypothesis import given
from hypothesis import strategies as st

from ecoute.stats.suppression import suppress


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


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(min_value=0, max_value=60), max_size=12), st.integers(min_value=1, max_value=20))
def test_no_visible_cell_is_small_and_what_is_hidden_cannot_be_worked_out(cells, k):
    shown = suppress(cells, k)
    assert all(count == 0 or count >= k for count in shown.visible.values())
    assert set(shown.visible) | shown.hidden == set(cells)
    hidden_sum = sum(cells[key] for key in shown.hidden)
    # The total minus the visible cells gives the hidden sum: it is never a small number.
    assert hidden_sum == 0 or hidden_sum >= k or not shown.visible or all(v == 0 for v in shown.visible.values())
