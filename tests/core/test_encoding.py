"""Telling UTF-8 (with or without BOM) from CP932 by the bytes alone."""

import pytest

from chiiki.core.encoding import UndecodableError, decode_text

TEXT = "合計特殊出生率,H30,1.27,未"


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("utf-8"), b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT.encode("cp932")],
    ids=["utf-8", "utf-8 with BOM", "cp932"],
)
def test_each_encoding_reads_back_the_same_text(data):
    assert decode_text(data) == TEXT


def test_bytes_neither_encoding_reads_are_refused_at_their_position():
    with pytest.raises(UndecodableError) as caught:
        decode_text(b"abc\x81\xff")
    assert caught.value.position == 4
    assert "4バイト目" in str(caught.value) and "byte 4" in str(caught.value)
    with pytest.raises(UndecodableError) as caught:
        decode_text(b"\xef\xbb\xbfab\xff")
    assert caught.value.position == 6  # counted in the file, BOM included
