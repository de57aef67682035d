"""Opening a target: a file, a folder or a ZIP of exports, read-only, every file hashed."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType

from conformance.readers.base import InputLimits, ParsedTable, RawRecord, ReaderError, ReadIssue
from conformance.readers.delimited import read_delimited
from conformance.readers.digest import file_sha256
from conformance.readers.jsonfile import read_json
from conformance.readers.workbook import Workbooks, read_sheet, sheet_names
from conformance.results import codes
from conformance.results.masking import library_message

__all__ = [
    "FILE_FORMATS",
    "InputLimits",
    "ParsedTable",
    "RawRecord",
    "ReadIssue",
    "ReaderError",
    "SourceFile",
    "Target",
    "TargetError",
    "Workbooks",
    "open_target",
    "read_table",
    "sheet_names",
]

FILE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}
"""File suffix -> the format its reader reads (the suffixes a target's files may have)."""


class TargetError(Exception):
    """The target cannot be opened at all (exit code 2)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One export file: where it is on disk, how reports name it, and its hash."""

    display: str
    path: Path
    format: str
    size: int
    sha256: str  # "" when the target was opened without digests (`open_target(digests=False)`)

    @property
    def stem(self) -> str:
        """The file name without its extension: the table it holds, in NFC (macOS writes names in NFD,
        where 「ジュウミン」's voiced kana are two characters: the name would match no table)."""
        return unicodedata.normalize("NFC", PurePosixPath(self.display).stem)

    @property
    def folders(self) -> tuple[str, ...]:
        """The folders between the target root and the file (an operation id may be one), in NFC."""
        return tuple(unicodedata.normalize("NFC", part) for part in PurePosixPath(self.display).parts[:-1])

    @property
    def normalised(self) -> bool:
        """True when the name is not in NFC: it was matched to its table after normalisation."""
        return unicodedata.normalize("NFC", self.display) != self.display


@dataclass
class Target:
    """The files of a target; a ZIP is extracted to a private temporary folder, removed on close."""

    path: Path
    files: list[SourceFile] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    archive_sha256: str | None = None
    # Each workbook of the target opened once for the whole run (discovery and reading share it).
    workbooks: Workbooks = field(default_factory=Workbooks)
    # The files were hashed when opened (`open_target(digests=False)`: not, and nothing can say they changed).
    digests: bool = True
    _scratch: Path | None = None

    def changed_inputs(self) -> list[str]:
        """The inputs whose bytes differ now from when the target was opened (or that are gone).

        For a ZIP that is the archive itself (its extracted copy is ours); otherwise each file but those
        the run never read (`_never_read`: their SHA-256 at opening is all a result says of them)."""
        if not self.digests:
            raise ValueError("the target was opened without digests: its files cannot be proven unchanged")
        if self.archive_sha256 is not None:
            return [] if _digest_or_none(self.path) == self.archive_sha256 else [self.path.name]
        return [source.display for source in self.files
                if not _never_read(source, self.workbooks.limits) and _digest_or_none(source.path) != source.sha256]

    def close(self) -> None:
        """Let the workbooks go; remove the extracted copy of a ZIP, if any."""
        self.workbooks.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> Target:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


def _sha256(path: Path) -> str:
    # O_NONBLOCK: a FIFO swapped in after the check must not block the open; fstat judges what was opened.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"not a regular file: {path}")
        return file_sha256(stream)


_SPECIAL = {stat.S_IFIFO: "FIFO（名前付きパイプ）", stat.S_IFCHR: "デバイスファイル", stat.S_IFBLK: "デバイスファイル",
            stat.S_IFSOCK: "ソケット"}


def not_regular(path: Path) -> str | None:
    """Why `path` is not read when it is no regular file (a FIFO would block the open, /dev/zero never
    end), judged by stat without opening it; symlinks are followed and their target judged. None for a
    regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"読めません（{error.strerror}）"
    if stat.S_ISREG(mode):
        return None
    kind = _SPECIAL.get(stat.S_IFMT(mode), "通常のファイルではないもの")
    link = "シンボリックリンクの先が" if path.is_symlink() else ""
    return f"{link}{kind}です（通常のファイルだけを読みます）"


def _digest_or_none(path: Path) -> str | None:
    try:
        return _sha256(path)
    except OSError:
        return None


def _source(target: Target, path: Path, display: str) -> SourceFile:
    return SourceFile(display, path, FILE_FORMATS[path.suffix.lower()], path.stat().st_size, _sha256(path) if target.digests else "")


def _add_folder(target: Target, folder: Path, prefix: str = "") -> None:
    for path in sorted(folder.rglob("*")):
        relative = prefix + path.relative_to(folder).as_posix()
        if path.is_symlink():
            target.ignored.append((relative, "シンボリックリンクは読みません"))
            continue
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        special = not_regular(path)
        if special is not None:
            target.ignored.append((relative, special))
        elif path.suffix.lower() == ".zip":
            target.ignored.append((relative, "入れ子のZIPは展開しません"))
        elif path.suffix.lower() in FILE_FORMATS:
            target.files.append(_source(target, path, relative))
        else:
            target.ignored.append((relative, "対応していない形式です"))


def _member_name(member: zipfile.ZipInfo) -> str:
    """The member's real name. Without the UTF-8 flag, zipfile decodes names as CP437; Japanese
    archives carry UTF-8 (Info-ZIP on Linux/macOS) or CP932 (Windows Explorer) bytes there."""
    if member.flag_bits & 0x800:
        return member.filename
    raw = member.filename.encode("cp437")
    for codec in ("utf-8", "cp932"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return member.filename


def _unsafe_name(real_name: str, member: zipfile.ZipInfo) -> str | None:
    """Why a member must not be extracted at all (the whole archive is then refused), or None."""
    name = PurePosixPath(real_name.replace("\\", "/"))
    if name.is_absolute() or re.match(r"[A-Za-z]:", real_name):
        return "絶対パスの名前"
    if ".." in name.parts:
        return "親フォルダ（..）を指す名前"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "シンボリックリンク"
    return None


def _extract_zip(target: Target, archive: Path, limits: InputLimits, scratch: Path | None) -> None:
    if scratch is None:
        scratch = Path(tempfile.mkdtemp(prefix="conformance-zip-"))
        target._scratch = scratch
    scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            if len(members) > limits.zip_max_members:
                raise TargetError(f"{archive}: ZIPのファイル数が上限を超えます（{len(members)} > {limits.zip_max_members}）。展開しません")
            _refuse_unsafe(archive, members)
            declared = sum(member.file_size for member in members)
            if declared > limits.zip_max_total_bytes:
                raise TargetError(f"{archive}: ZIPの展開後のサイズが上限を超えます（{declared:,} > {limits.zip_max_total_bytes:,} バイト）。"
                                  "展開しません（--zip-max-total で変更できます）")
            written = 0
            for member in members:
                if member.is_dir():
                    continue
                real_name = _member_name(member)
                if "\\" in real_name:
                    target.ignored.append((real_name, "パス区切りが \\ の名前のため展開しません"))
                    continue
                destination = scratch / PurePosixPath(real_name)
                destination.parent.mkdir(parents=True, exist_ok=True)
                written += _copy_member(archive, bundle, member, destination, limits, written)
    # RuntimeError: an encrypted member; ValueError: a name zipfile or the OS cannot take (NUL bytes).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError, ValueError) as error:
        target.close()
        raise TargetError(f"{archive}: ZIPファイルとして読めません（{library_message(error)}）") from None
    except TargetError:
        target.close()
        raise
    _add_folder(target, scratch)


def _refuse_unsafe(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    # One hostile name is reason enough to distrust the rest: an export tool never writes one.
    for member in members:
        real_name = _member_name(member)
        reason = _unsafe_name(real_name, member)
        if reason is not None:
            raise TargetError(f"{archive}: ZIPに安全でないメンバー「{real_name}」（{reason}）があるため展開しません")
    _refuse_duplicates(archive, [_member_name(member) for member in members if not member.is_dir()])


# How two member names can end as one file: the same bytes, the same text after Unicode normalisation
# (macOS writes NFD, Windows NFC), or a case-insensitive file system (Windows, macOS by default).
_SAME_NAME = (
    (lambda name: name, "同じ名前"),
    (lambda name: unicodedata.normalize("NFC", name), "Unicode正規化（NFC）すると同じ名前"),
    (lambda name: unicodedata.normalize("NFC", name).casefold(), "大文字・小文字の違いだけの名前"),
)


def _refuse_duplicates(archive: Path, names: list[str]) -> None:
    """A ZIP naming one path twice: extracting would keep one silently (which one the vendor meant is
    unknown), so the archive is refused."""
    for key, kind in _SAME_NAME:
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            # By position, not identity: CPython shares one object for equal short strings.
            first_index = seen.setdefault(key(name), index)
            if first_index != index:
                first = names[first_index]
                shown = f"「{first}」" if first == name else f"「{first}」と「{name}」"
                if unicodedata.normalize("NFC", first) == unicodedata.normalize("NFC", name) and first != name:
                    shown += "（見た目は同じで、文字の表し方（NFC・NFD）だけが違う名前）"
                raise TargetError(f"{archive}: ZIPに{kind}のメンバー{shown}が2つあります。"
                                  "どちらを検査すべきか判断できないため展開しません")


def _copy_member(
    archive: Path, bundle: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path, limits: InputLimits, before: int
) -> int:
    """Extract one member, counting the bytes really produced: the sizes in the ZIP may lie."""
    written = 0
    with bundle.open(member) as source, destination.open("wb") as sink:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if before + written > limits.zip_max_total_bytes:
                raise TargetError(f"{archive}: ZIPの展開後のサイズが上限（{limits.zip_max_total_bytes:,} バイト）を超えます。"
                                  "展開を中止しました（--zip-max-total で変更できます）")
            if written > limits.zip_ratio_floor and written > limits.zip_max_ratio * max(member.compress_size, 1):
                raise TargetError(f"{archive}: 「{_member_name(member)}」の圧縮率が上限（{limits.zip_max_ratio:g}倍）を超えます"
                                  "（圧縮爆弾の疑い）。展開を中止しました（--zip-max-ratio で変更できます）")
            sink.write(chunk)
    return written


def open_target(path: Path, limits: InputLimits | None = None, scratch: Path | None = None, *, digests: bool = True) -> Target:
    """Open a file, folder or ZIP for reading; TargetError if there is nothing to read.

    A ZIP is extracted into `scratch` (the run's private folder, removed by its owner) or, without
    one, into a temporary folder that closing the target removes. `digests=False`: the files are not
    hashed (a caller that records no SHA-256: `compare`; at 1,000,000 residents a second of CPU per export).
    """
    if not path.exists():
        raise TargetError(f"{path}: ありません（no such file or folder）")
    # A sheet parsed in parts keeps its parts in the run's private folder, beside the extracted ZIP.
    target = Target(path=path, workbooks=Workbooks(limits, scratch.parent if scratch is not None else None), digests=digests)
    try:
        if path.is_dir():
            _add_folder(target, path)
        elif (special := not_regular(path)) is not None:
            target.ignored.append((path.name, special))
        elif path.suffix.lower() == ".zip":
            target.archive_sha256 = _sha256(path) if digests else None
            _extract_zip(target, path, limits or InputLimits(), scratch)
        elif path.suffix.lower() in FILE_FORMATS:
            target.files.append(_source(target, path, path.name))
        else:
            raise TargetError(f"{path}: 対応していない形式です（CSV, TSV, XLSX, JSON, NDJSON, ZIP）")
    except PermissionError as error:
        target.close()
        raise TargetError(f"{path}: 読み取れません（{error.strerror}）") from None
    return target


def read_table(source: SourceFile, sheet: str | None = None, limits: InputLimits | None = None,
               workbooks: Workbooks | None = None) -> ParsedTable:
    """Parse one file (one sheet of a workbook) as a table; problems become issues, never exceptions.

    `workbooks`: the run's opened workbooks (the target's), so a workbook is opened once per run."""
    limits = limits or InputLimits()
    workbooks = workbooks or Workbooks(limits)
    try:
        if source.format in ("csv", "tsv"):
            return read_delimited(source.path, "," if source.format == "csv" else "\t")
        if _refused_by_size(source, limits):
            return ParsedTable.unreadable(_too_large(source, limits))
        if source.format in ("json", "ndjson"):
            return read_json(source.path, lines=source.format == "ndjson")
        return read_sheet(source.path, sheet or workbooks.sheet_names(source.path)[0], limits, workbooks)
    except ReaderError as error:
        return ParsedTable.unreadable(error.issue)
    except (OSError, MemoryError, RecursionError) as error:
        return ParsedTable.unreadable(ReadIssue("syntax", codes.UNREADABLE_FILE, f"ファイルを読めません（{type(error).__name__}）。"))


def _refused_by_size(source: SourceFile, limits: InputLimits) -> bool:
    """JSON, NDJSON and workbooks are read whole into memory: past `max_file_bytes` `read_table` refuses them."""
    return source.format not in ("csv", "tsv") and source.size > limits.max_file_bytes


def _never_read(source: SourceFile, limits: InputLimits) -> bool:
    """A JSON or NDJSON file refused by its size: discovery opens workbooks only, so a run reads none of its
    bytes (hashing a 2 GiB file again after the run cost seconds)."""
    return source.format in ("json", "ndjson") and _refused_by_size(source, limits)


def _too_large(source: SourceFile, limits: InputLimits) -> ReadIssue:
    # JSON and workbooks are parsed whole in memory: past the limit the run would only exhaust it.
    message = (f"ファイルが大きすぎるため読みません（{source.size:,} バイト、上限 {limits.max_file_bytes:,} バイト）。"
               "上限は --max-file-size で変更できます。")
    return ReadIssue("syntax", codes.FILE_TOO_LARGE, message)
