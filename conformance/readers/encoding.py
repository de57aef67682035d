"""Text encodings: UTF-8 strictly (a BOM, UTF-16, NUL bytes and legacy encodings are named), read whole
or proved clean chunk by chunk."""

from __future__ import annotations

import codecs

from conformance.readers.base import ReadIssue
from conformance.results import codes

UTF8_BOM = b"\xef\xbb\xbf"
OTHER_BOMS = {
    b"\xff\xfe": "UTF-16LE",
    b"\xfe\xff": "UTF-16BE",
}


def _guess_encoding(data: bytes) -> str | None:
    for codec, label in (("cp932", "Shift_JIS (CP932)"), ("euc_jp", "EUC-JP")):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return label
    return None


def decode_utf8(data: bytes) -> tuple[str | None, bool, ReadIssue | None]:
    """The text, whether it had a BOM, and the encoding issue that stops reading (if any)."""
    for other_bom, label in OTHER_BOMS.items():
        if data.startswith(other_bom):
            return None, False, ReadIssue(
                "encoding", codes.NOT_UTF8, f"文字コードが {label} です（BOMで判定）。UTF-8で出力してください。", line=1
            )
    bom = data.startswith(UTF8_BOM)
    nul = _nul_issue(data)
    if nul is not None:
        return None, bom, nul
    body = data[len(UTF8_BOM) :] if bom else data
    try:
        return body.decode("utf-8"), bom, None
    except UnicodeDecodeError as error:
        offset = error.start + (len(UTF8_BOM) if bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        guess = _guess_encoding(body)
        hint = f"（{guess} と思われます）" if guess else ""
        message = (
            f"UTF-8として読めないバイト列があります（{line}行目、先頭から{offset}バイト目）{hint}。"
            "ファイル全体をUTF-8で出力してください。"
        )
        return None, bom, ReadIssue("encoding", codes.NOT_UTF8, message, line=line)


def _nul_issue(data: bytes) -> ReadIssue | None:
    """NUL bytes: valid UTF-8, but no text export holds them; they mean UTF-16 without a BOM or a
    binary file, and csv and DuckDB would each read them differently."""
    first = data.find(b"\x00")
    if first < 0:
        return None
    line = data.count(b"\n", 0, first) + 1
    head = data[:4096]
    # UTF-16 puts a NUL beside every ASCII character (the commas and line ends at least).
    if head.count(b"\x00") * 4 >= len(head):
        message = f"NULバイトが多数あります（{line}行目から）。UTF-16（BOMなし）と思われます。UTF-8で出力してください。"
    else:
        message = f"NULバイト（U+0000）があります（{line}行目、先頭から{first}バイト目）。テキストとして読めません。"
    return ReadIssue("encoding", codes.NUL_BYTE, message, line=line)


class CleanText:
    """Proves, chunk by chunk, that a file is valid UTF-8 without NUL (the plain-file scan and the
    strict parser's streaming both need it)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def feed(self, chunk: bytes) -> bool:
        if b"\x00" in chunk:
            return False
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        return True

    def finish(self) -> bool:
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True
