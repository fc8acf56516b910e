"""Reading text files whose encoding nobody stated: UTF-8 (with or without BOM) or CP932."""

from __future__ import annotations


class UndecodableError(ValueError):
    """Neither UTF-8 nor CP932; ``position`` is the 1-based byte where CP932 failed."""

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(
            f"UTF-8 でも CP932（Shift_JIS）でも読めません（{position}バイト目） / "
            f"neither UTF-8 nor CP932 (byte {position})"
        )


def decode_text(data: bytes) -> str:
    """The text, its encoding told from the bytes alone: a BOM or valid UTF-8 is UTF-8, else
    CP932.

    A CP932 file is almost never valid UTF-8 (its lead bytes 0x81–0x9F are UTF-8 continuation
    bytes), so trying UTF-8 first cannot misread one.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UndecodableError(exc.start + 4) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise UndecodableError(exc.start + 1) from exc
