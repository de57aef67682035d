"""The catalogue as Markdown (GitHub-flavoured tables): the same content as the HTML pages."""

from __future__ import annotations

import re

from conformance import __version__
from conformance.catalogue.facts import visible
from conformance.catalogue.model import ABSENT, OperationPage

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # enough to keep a cell's text inert; `(` is harmless after an escaped `]`


def text(value: str | None) -> str:
    """A value as inert Markdown text in a table cell: markup characters escaped, HTML as entities, one line."""
    if value is None:
        return f"*{ABSENT}*"
    value = visible(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_index(pages: list[OperationPage]) -> str:
    """index.md: every operation with its counts."""
    lines = [f"# 要件カタログ（jichitai-conformance {text(__version__)}）", "",
             f"{len(pages)}業務。「{ABSENT}」は公式の基本データリストの値が当スイートの資料にないことを、"
             "根拠「前提」は当スイートの仮定であることを示します。HTML 版（検索つき）: [index.html](index.html)", "",
             _row(["業務", "ID", "版数", "表", "項目", "うちデータ項目IDあり", "要件", "レベル別", "根拠別"]),
             _row(["---"] * 9)]
    for page in pages:
        levels = "、".join(f"{text(k)} {n}" for k, n in page.levels.items())
        bases = "、".join(f"{text(k)} {n}" for k, n in page.bases.items())
        lines.append(_row([f"[{text(page.name)}]({page.id}.md)", f"`{page.id}`", text(page.version),
                           str(len(page.tables)), str(page.items_total), str(page.items_official),
                           str(len(page.requirements)), levels, bases]))
    return "\n".join(lines) + "\n"


def render_operation(page: OperationPage) -> str:
    """<op>.md: tables and items, requirements, what is not encoded."""
    lines = [f"# {text(page.name)}（`{page.id}` 版数 {text(page.version)}）", "", "[← 目次](index.md)", "",
             f"- 所管: {text(page.ministry)}", f"- ファイル: {text(page.files)}", "- 対象文書:"]
    lines += [f"  - {text(title)}" + (f" — {text(note)}" if note else "") for title, note in page.documents]
    lines += ["", "## 表と項目", "",
              f"データ項目ID・ローマ字・データ型・桁数・出力条件・コード一覧IDは公式の基本データリストの値です。"
              f"「{ABSENT}」はその値が当スイートの資料にないことを示し、検査は「当スイートの検査」列のとおり（前提）です。"]
    for table in page.tables:
        key = "＋".join(text(name) for name in table.primary_key)
        lines += ["", f"### {text(table.name)}", "",
                  "ファイル名: " + "、".join(f"`{name}`" for name in table.file_names) + (f"／主キー: {key}" if key else ""), "",
                  _row(["#", "項目", "データ項目ID", "ローマ字", "データ型", "桁数", "出力条件", "要件・レベル", "コード",
                        "当スイートの検査"]), _row(["---"] * 10)]
        for number, item in enumerate(table.items, 1):
            codes = "<br>".join(text(code) for code in item.codes)
            if item.code_list:
                codes = f"コード一覧 {text(item.code_list)}" + (f"<br>{codes}" if codes else "")
            if item.code_basis and item.codes:
                codes += f"<br>根拠: {text(item.code_basis)}"
            lines.append(_row([str(number), text(item.name), text(item.item_id), text(item.romaji), text(item.data_type),
                               text(item.width), text(item.output_condition),
                               f"{text(item.requirement)} {text(item.level or '')}".strip(), codes or "—",
                               "<br>".join(text(check) for check in item.checks)]))
    lines += ["", "## 要件", "", _row(["要件ID", "要件", "レベル", "検査", "根拠", "出典", "対処方法"]), _row(["---"] * 7)]
    for r in page.requirements:
        source = text(r.source) + (f"<br>{text(r.note)}" if r.note else "")
        lines.append(_row([f"`{r.id}`" if "`" not in r.id else text(r.id), text(r.title), text(r.level), text(r.check),
                           text(r.basis_label), source, text(r.fix)]))
    lines += ["", "## 収録していないもの・前提", ""]
    lines += [f"- {text(gap)}" for gap in page.gaps] or ["仕様ファイルに未収録の記載はありません。"]
    lines += ["", "根拠別の要件数: " + "、".join(f"{text(k)} {n}" for k, n in page.bases.items())
              + f"。データ項目IDのある項目: {page.items_official} / {page.items_total}。"]
    if page.notes:
        lines += ["", "### 仕様ファイルの注記（全文、英語）", ""]
        for note in page.notes:
            lines += [f"> {text(note)}", ">"]
        lines.pop()
    return "\n".join(lines) + "\n"
