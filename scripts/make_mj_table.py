"""Derive the MJ character table of specs/common/characters/ from the npm tarball of @mandel59/mojidata.

    npm pack @mandel59/mojidata            # in a temporary folder: mandel59-mojidata-<version>.tgz
    python scripts/make_mj_table.py mandel59-mojidata-<version>.tgz

The tarball's `dist/moji.db` is a SQLite database whose `mji` table is MJ文字情報一覧表. Written, byte for
byte the same on every run from the same tarball:

- `mj-code-points.txt`: the distinct values of 実装したUCS (the code point under which IPAmj明朝 implements
  the glyph without a selector) as ranges `XXXX..YYYY` or single `XXXX`, ascending. 対応するUCS adds nothing
  (every one of its values is an 実装したUCS); 実装したUCS adds the CJK compatibility ideographs under which
  some MJ glyphs are implemented (U+F91D 欄 …).
- `mj-sequences.txt`: the registered sequences `BASE SELECTOR`, ascending: 実装したMoji_JohoコレクションIVS,
  the IVS of `mji_duplicated_ivs` (the two of them are together exactly the Moji_Joho collection of the IVD,
  which the script asserts), and 実装したSVS (standardized variants of compatibility ideographs,
  U+FE00).
- `README.md`: source, versions, the tarball's SHA-256, the counts (tests/test_mjplus.py holds the files
  to them) and the licence of the data (CC BY-SA 2.1 JP).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance.checks.mjplus import CODE_POINTS_FILE, SEQUENCES_FILE, merged_ranges  # noqa: E402

OUT = ROOT / "specs" / "common" / "characters"


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    extracted = archive.extractfile(name)
    if extracted is None:
        raise SystemExit(f"{name} is not a file in the tarball")
    return extracted.read()


def _column(db: sqlite3.Connection, sql: str) -> list[str]:
    return [row[0] for row in db.execute(sql)]


def _header(title: str, package: str, mji_version: str) -> str:
    return (
        f"# {title}\n"
        f"# Derived from MJ文字情報一覧表 {mji_version} (IPA / 文字情報技術促進協議会) in npm {package}\n"
        "# by scripts/make_mj_table.py. Licence: CC BY-SA 2.1 JP; see README.md in this folder.\n"
    )


def derive(tarball: Path) -> dict[str, str]:
    """The files of specs/common/characters/ derived from the tarball, by name."""
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    with tarfile.open(tarball) as archive:
        manifest = json.loads(_member(archive, "package/package.json"))
        downloads = _member(archive, "package/download.txt").decode("utf-8")
        database = _member(archive, "package/dist/moji.db")
    package = f"{manifest['name']}@{manifest['version']}"
    # moji.db is built from the newest MJ文字情報一覧表 its download.txt names (mji.00602.xlsx → Ver.006.02).
    versions = sorted(re.findall(r"^mji\.(\d{3})(\d{2})\.xlsx ", downloads, flags=re.MULTILINE))
    if not versions:
        raise SystemExit("download.txt names no mji.NNNNN.xlsx")
    major, minor = versions[-1]
    mji_version = f"Ver.{major}.{minor}"

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "moji.db"
        path.write_bytes(database)
        db = sqlite3.connect(path)
        try:
            characters = db.execute("SELECT count(*) FROM mji").fetchone()[0]
            implemented = _column(db, "SELECT 実装したUCS FROM mji WHERE 実装したUCS IS NOT NULL")
            corresponding = _column(db, "SELECT 対応するUCS FROM mji WHERE 対応するUCS IS NOT NULL")
            ivs = _column(
                db,
                "SELECT 実装したMoji_JohoコレクションIVS FROM mji WHERE 実装したMoji_JohoコレクションIVS IS NOT NULL"
                " UNION ALL SELECT 重複実装したMoji_JohoコレクションIVS FROM mji_duplicated_ivs",
            )
            collection = _column(db, "SELECT IVS FROM ivs_Moji_Joho")
            svs = _column(db, "SELECT 実装したSVS FROM mji WHERE 実装したSVS IS NOT NULL")
            unencoded = db.execute(
                "SELECT count(*) FROM mji WHERE 実装したUCS IS NULL AND 実装したMoji_JohoコレクションIVS IS NULL"
            ).fetchone()[0]
        finally:
            db.close()

    if set(ivs) != set(collection) or len(ivs) != len(set(ivs)):
        raise SystemExit("the MJ table's IVS are not exactly the Moji_Joho collection of the IVD")
    if not set(corresponding) <= set(implemented):
        raise SystemExit("a value of 対応するUCS is not among 実装したUCS")
    if any(len(text) != 1 for text in implemented) or any(len(text) != 2 for text in ivs + svs):
        raise SystemExit("unexpected shape: a code point of more than one character or a sequence not of two")
    code_points = {ord(text) for text in implemented}
    sequences = sorted({(ord(text[0]), ord(text[1])) for text in ivs + svs})
    if any(base not in code_points for base, _ in sequences):
        raise SystemExit("a sequence's base is not an MJ code point")
    ranges = merged_ranges(code_points)

    def hex_range(first: int, last: int) -> str:
        return f"{first:04X}" if first == last else f"{first:04X}..{last:04X}"

    points_text = _header("MJ code points (実装したUCS), as ranges.", package, mji_version) + "".join(
        hex_range(first, last) + "\n" for first, last in ranges
    )
    sequences_text = _header(
        "MJ sequences: base and variation selector (Moji_Joho IVS, and SVS of compatibility ideographs).",
        package,
        mji_version,
    ) + "".join(f"{base:04X} {selector:04X}\n" for base, selector in sequences)
    counts = {
        "MJ characters": characters,
        "MJ characters with no encoding of their own": unencoded,
        "code points": len(code_points),
        "code point ranges": len(ranges),
        "sequences": len(sequences),
        "Moji_Joho IVS sequences": len(set(ivs)),
        "SVS sequences": len(set(svs)),
        "sequence bases": len({base for base, _ in sequences}),
    }
    readme = _README.format(
        package=package,
        version=manifest["version"],
        tarball=tarball.name,
        digest=digest,
        mji_version=mji_version,
        counts="".join(f"| {name} | {value} |\n" for name, value in counts.items()),
    )
    return {CODE_POINTS_FILE: points_text, SEQUENCES_FILE: sequences_text, "README.md": readme}


_README = """\
# MJ characters (行政事務標準文字, MJ+)

The data files of this folder list the MJ characters of 文字情報基盤 as `conformance/checks/mjplus.py`
reads them. They are derived by `scripts/make_mj_table.py`; do not edit them by hand.

## Source

- Data: MJ文字情報一覧表 {mji_version}, © IPA 独立行政法人情報処理推進機構 (Information-technology Promotion
  Agency, Japan); the 文字情報基盤 programme is kept by 一般社団法人 文字情報技術促進協議会 (moji.or.jp) since 2020.
- Taken from the npm package `{package}` (package.json version {version}; `dist/moji.db`, its table
  `mji`; the MJ文字情報一覧表 version is the newest `mji.*.xlsx` its `download.txt` names), tarball
  `{tarball}`, SHA-256 `{digest}`.
- Regenerate (byte for byte the same files from the same tarball):

      npm pack {package}
      python scripts/make_mj_table.py {tarball}

## What the files hold

- `mj-code-points.txt`: every distinct value of 実装したUCS (the code point under which the glyph is
  implemented without a selector), as ranges `XXXX..YYYY` or single `XXXX`. Every value of 対応するUCS is
  among them; 実装したUCS adds the CJK compatibility ideographs (U+F9xx, U+FAxx) under which some MJ glyphs
  are implemented. MJ holds kanji only: its only code points outside the CJK ideograph blocks are 々
  (U+3005), 〆 (U+3006) and 〻 (U+303B); no kana, no Latin letters, digits, spaces or symbols.
- `mj-sequences.txt`: every registered sequence `BASE SELECTOR`: the Moji_Joho collection IVS
  (実装したMoji_JohoコレクションIVS and the table mji_duplicated_ivs; together exactly the Moji_Joho collection
  of the IVD) and the standardized variation sequences of 実装したSVS (U+FE00 after a unified ideograph,
  standing for a compatibility ideograph). Every base is an MJ code point.
- Not in these files: the characters デジタル庁 designated in addition to MJ (plane 16, U+100000–U+10FFFD).
  Their list is in no package, so `mjplus.py` accepts the whole plane.
- The MJ characters number more than the code points: several glyphs share one code point and are told
  apart only by their IVS, and some MJ characters have no encoding of their own (MJ文字情報一覧表 marks them
  as the same glyph as another MJ character, whose encoding they share, or withdrawn).

## Counts

| what | count |
| --- | --- |
{counts}
## Licence

These data files are licensed under Creative Commons Attribution-ShareAlike 2.1 Japan (CC BY-SA 2.1 JP),
as MJ文字情報一覧表 is: https://creativecommons.org/licenses/by-sa/2.1/jp/legalcode (summary:
https://creativecommons.org/licenses/by-sa/2.1/jp/). They are a work derived from MJ文字情報一覧表 (IPA);
the changes are a selection of its columns, written as code point ranges and sequences. The code of this
project is MIT licensed; this licence covers only the data files of this folder.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tarball", type=Path, help="the file `npm pack @mandel59/mojidata` wrote")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT.relative_to(ROOT)})")
    arguments = parser.parse_args(argv)
    arguments.out.mkdir(parents=True, exist_ok=True)
    for name, text in derive(arguments.tarball).items():
        (arguments.out / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {arguments.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
