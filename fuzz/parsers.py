"""Coverage-guided fuzzing (atheris/libFuzzer) of the Django-free parsers in chiiki.core.

    .venv/bin/python fuzz/parsers.py fiscal|numbers|batch [libFuzzer flags, e.g. -runs=100000
                                                          -max_total_time=600 corpus_dir]

A crash is any exception other than the parser's own located error (ParseError / BatchError).
tests/test_fuzz.py runs each target for a bounded number of inputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports():
    from chiiki.core.batch import BatchError, read_batch
    from chiiki.core.errors import ParseError
    from chiiki.core.fiscal import parse_fiscal_year, parse_fiscal_year_range
    from chiiki.core.numbers import parse_amount, parse_quantity, parse_value

HEADER = Path(__file__).resolve().parents[1] / "docs" / "examples" / "seed003-indicators.csv"


def fiscal(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(40)
    for parse in (parse_fiscal_year, parse_fiscal_year_range):
        try:
            parse(text)
        except ParseError as exc:
            assert exc.describe()


def numbers(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(40)
    for parse in (parse_value, parse_quantity, lambda t: parse_amount(t, unit="千円")):
        try:
            parse(text)
        except ParseError as exc:
            assert exc.describe()


EXAMPLE = HEADER.read_bytes()


def batch(data: bytes) -> None:
    # Half the inputs keep the real header and first rows, so the search starts inside a valid
    # file; the rest are raw bytes.
    body = EXAMPLE[: EXAMPLE.index(b"\n") + 1] + data if data[:1] in (b"a", b"b") else data
    try:
        read_batch(body, "fuzz.csv")
    except BatchError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


TARGETS = {"fiscal": fiscal, "numbers": numbers, "batch": batch}

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()
