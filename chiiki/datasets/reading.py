"""Reading dataset files with locations, so every error names file, line and field.

YAML mappings are built as :class:`Located` dicts that remember the line of each key; duplicate
keys are an error (PyYAML would silently keep the last one). CSV rows carry their line number.
Errors are collected, not raised one by one, so a reviewer sees every problem of a file at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from chiiki.core.errors import ParseError, Problem, ProblemsError

T = TypeVar("T")


class Located(dict[str, Any]):
    """A mapping that remembers the line of each key (1-based) and its own first line."""

    line: int
    lines: dict[str, int]


class DatasetError(ProblemsError):
    """The dataset has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            problems, f"データセットに{len(problems)}件の誤りがあります（何も書き込んでいません）"
        )


@dataclass
class Source:
    """One file being read; collects its problems."""

    name: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int | None, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.name, line, field_name, message))

    def parse(
        self, parser: Callable[[str], T], value: Any, *, line: int | None, field_name: str
    ) -> T | None:
        """Run a core parser on a cell; record a located problem instead of raising."""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.problem(
                line,
                field_name,
                f"文字列で書いてください（{type(value).__name__} として読まれました: {value!r}）",
            )
            return None
        try:
            return parser(str(value))
        except ParseError as exc:
            self.problem(line, field_name, exc.describe())
            return None

    def require(self, mapping: Located, key: str, *, context: str = "") -> Any:
        """``mapping[key]``, or a problem when absent or empty."""
        value = mapping.get(key)
        if value is None or value == "":
            label = f"{context}.{key}" if context else key
            self.problem(getattr(mapping, "line", None), label, "必須の項目がありません")
            return None
        return value

    def line_of(self, mapping: Located, key: str) -> int | None:
        return mapping.lines.get(key, mapping.line) if isinstance(mapping, Located) else None


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"キー「{key}」が重複しています", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = value_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, source: Source) -> Located | None:
    """Parse a YAML file into Located mappings; syntax errors become located problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        source.problem(None, "encoding", f"UTF-8 として読めません（{exc.start}バイト目）")
        return None
    except OSError as exc:
        source.problem(None, "file", f"ファイルを開けません: {exc.strerror}")
        return None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506  # nosec B506  # _LineLoader extends SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        source.problem(line, "YAML", f"YAML の構文誤り: {exc.problem or exc.context}")
        return None
    if not isinstance(data, Located):
        source.problem(1, "YAML", "ファイルの最上位はマッピング（キー: 値）にしてください")
        return None
    return data


def read_csv(
    path: Path, source: Source, columns: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a UTF-8 CSV whose header must be exactly ``columns``."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        source.problem(None, "encoding", f"UTF-8 として読めません（{exc.start}バイト目）")
        return
    except OSError as exc:
        source.problem(None, "file", f"ファイルを開けません: {exc.strerror}")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header != columns:
        source.problem(1, "header", f"見出し行は {','.join(columns)} にしてください（{header}）")
        return
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            source.problem(
                reader.line_num,
                "columns",
                f"列の数が{len(row)}です（{len(columns)}列必要）",
            )
            continue
        yield reader.line_num, dict(zip(columns, (c.strip() for c in row), strict=True))
