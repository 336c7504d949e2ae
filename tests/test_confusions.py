"""Many classes: the top confusions the engine ranks (workbench/confusions.py), and the CLI report
of a 77-class run (banking77-like names) that no line of is wider than the terminal."""

import io
from contextlib import redirect_stdout

import pytest
from many_classes import CARD_ARRIVAL, CARD_DELIVERY, LOST_CARD, LOST_PHONE, NAMES, many_report_dict

from workbench.confusions import Confusion, class_order, legend_lines, many_classes, top_confusions
from workbench.metrics import compute_metrics
from workbench.report import confusion_text, report_text
from workbench.results import Report


@pytest.fixture(scope="module")
def many() -> Report:
    return Report.from_dict(many_report_dict())


def test_top_confusions_are_ranked_by_count_then_share(many):
    top = top_confusions(many, 5)
    assert top[0] == Confusion(CARD_ARRIVAL, CARD_DELIVERY, 7, 0.7)
    assert top[1] == Confusion(LOST_CARD, LOST_PHONE, 5, 0.5)
    assert top[2] == Confusion(0, None, 1, 0.1)  # an invalid answer is a confusion of its own
    assert len(top) == 5 and [c.count for c in top] == sorted((c.count for c in top), reverse=True)
    assert all(c.gold != c.pred for c in top_confusions(many, 1000))  # never the diagonal
    assert len(top_confusions(many, 1000)) == sum(1 for c in range(77) if c % 5 == 1) + 1


def test_top_confusions_of_a_perfect_run_and_of_a_small_one():
    perfect = Report.from_dict(compute_metrics([0, 1, 2], [0, 1, 2], ["a", "b", "c"]))
    assert top_confusions(perfect) == [] and not many_classes(perfect)
    small = Report.from_dict(compute_metrics([0, 0, 0, 1, 1], [1, 1, 0, 0, 1], ["a", "b"]))
    assert top_confusions(small) == [Confusion(0, 1, 2, 2 / 3), Confusion(1, 0, 1, 0.5)]


def test_class_orders(many):
    by_f1 = class_order(many, "f1")
    assert by_f1[:4] == [CARD_ARRIVAL, LOST_CARD, CARD_DELIVERY, LOST_PHONE]  # lowest F1 first
    assert class_order(many, "label") == list(range(77))
    assert sorted(class_order(many, "support")) == list(range(77))
    with pytest.raises(ValueError):
        class_order(many, "name")


@pytest.mark.parametrize("width", [120, 100, 80, 60])
def test_a_77_class_report_fits_the_terminal(many, width):
    text = report_text(many, width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    head = lines.index("top confusions (gold -> predicted, count, share of gold)")
    assert lines[head + 1].split() == ["7", "70%", "card_arrival", "->", "card_delivery_estimate"]
    assert lines[head + 2].split() == ["5", "50%", "lost_or_stolen_card", "->", "lost_or_stolen_phone"]
    assert lines[head + 3].split() == ["1", "10%", "activate_my_card", "->", "invalid"]
    assert "classes by number, the legend below" in text
    legend = "\n".join(legend_lines(NAMES, width))
    assert legend in text and "77 wrong_exchange_rate_for_cash_withdrawal" in text.replace("  ", " ")
    assert "x  an invalid answer" in text
    assert len(text) < 50_000  # it was 145 KB, lines of 1,774 characters
    assert "note: 3 texts were longer than the model reads: 256 tokens (254 for text)" in " ".join(text.split())  # wrapped


def test_the_compact_matrix_counts(many):
    text = confusion_text(many.confusion_matrix, many.labels, many.invalid_by_gold, 120)
    row = next(line for line in text.splitlines() if line.startswith("12 card_arrival"))
    assert row.split()[2:15] == ["."] * 11 + ["3", "7"]  # 3 right, 7 taken for class 13


def test_a_few_classes_keep_the_full_matrix_when_it_fits():
    report = Report.from_dict(compute_metrics([0, 0, 1, 1], [0, 1, 1, None], ["negative", "positive"]))
    text = report_text(report, 80)
    assert "gold \\ pred" in text and "1 (50%)" in text and "top confusions" not in text
    narrow = report_text(report, 36)  # too narrow for it: numbered, with a legend
    assert max(len(line) for line in narrow.splitlines()) <= 36 and "1 negative" in narrow and "gold \\ pred" not in narrow


def test_the_cli_report_is_as_wide_as_the_terminal_or_120(many, monkeypatch):
    import shutil

    from workbench import cli
    from workbench.report import text_width

    assert text_width() == 120  # a pipe (pytest's capture): no terminal
    out = io.StringIO()
    out.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(120, 24): shutil.os.terminal_size((72, 24)))
    with redirect_stdout(out):
        assert text_width() == 72
        cli._print_report(many, None)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 72 and any("card_arrival -> card_delivery_estimate" in line for line in lines)


@pytest.mark.parametrize("width", [30, 24, 16, 10])
def test_names_cut_to_fit_stay_told_apart(width):
    from many_classes import NAMES

    from workbench.confusions import fit_names

    shown = fit_names(NAMES, width)
    assert len(set(shown)) == len(NAMES) and max(len(s) for s in shown) <= width
    assert all(s == n for s, n in zip(shown, NAMES) if len(n) <= width)  # names that fit are left whole
    bank, cheque = (shown[NAMES.index(n)] for n in ("balance_not_updated_after_bank_transfer", "balance_not_updated_after_cheque_or_cash_deposit"))
    assert bank.startswith("bala") and "…" in bank and bank != cheque


def test_names_alike_even_at_both_ends_get_their_position():
    from workbench.confusions import fit_names

    assert fit_names(["abcdefgh_x_end", "abcdefgh_y_end", "short"], 8) == ["abcde…#1", "abcde…#2", "short"]
