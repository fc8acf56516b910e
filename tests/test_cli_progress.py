"""The long commands' progress bar: redrawn in place on a terminal, a line per tenth
otherwise; and the commands that use it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from chiiki.cli_progress import Bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    out, ticks = Terminal(), iter(range(100))
    bar = Bar(out, "計算中", width=10, clock=lambda: next(ticks))
    for done in (0, 250, 1000):
        bar(done, 1000)
    bar.close()
    assert out.getvalue() == (
        "\r計算中 [..........]   0% 0/1,000"
        "\r計算中 [##........]  25% 250/1,000"
        "\r計算中 [##########] 100% 1,000/1,000\n"
    )


def test_in_a_log_a_line_per_tenth_and_counts_when_the_total_is_unknown():
    out = io.StringIO()
    bar = Bar(out, "確認中", width=10)
    for done in range(0, 1001, 50):
        bar(done, 1000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].endswith("100% 1,000/1,000")
    assert Bar(out, "確認中").line(1234, None) == "確認中 1,234"


@pytest.mark.django_db
def test_recompute_reports_its_progress():
    err = io.StringIO()
    out = io.StringIO()
    call_command("indicators", "recompute", stdout=out, stderr=err)
    assert "計算し直しました" in out.getvalue()
    assert (
        err.getvalue().splitlines()[-1].startswith("  計算中（指標） [")
        and "100%" in err.getvalue()
    )
