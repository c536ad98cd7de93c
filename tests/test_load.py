"""The loader: every CSV/XLSX case of issue 2 with a real file on disk."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkpost import InputError, load_sheet
from bulkpost.load import COLUMN_ALIASES, MAX_COLUMNS, match_header

DATA = Path(__file__).resolve().parent / "data"
HEADER = "content,platforms,scheduled_time\n"


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return p


def values(sheet, key):  # type: ignore[no-untyped-def]
    return [r.get(key) for r in sheet.rows]


# --- header matching --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("content", "content"),
        ("Content", "content"),
        ("  TEXT ", "content"),
        ("Message", "content"),
        ("caption", "content"),
        ("Body", "content"),
        ("post", "content"),
        ("Platforms", "platforms"),
        ("network", "platforms"),
        ("Scheduled Time", "scheduled_time"),
        ("scheduled-time", "scheduled_time"),
        ("SCHEDULED_TIME", "scheduled_time"),
        ("publish_at", "scheduled_time"),
        ("datetime", "scheduled_time"),
        ("schedule", "scheduled_time"),
        ("media_url", "media"),
        ("Media", "media"),
        ("media 2", "media_2"),
        ("Media_10", "media_10"),
        ("media_11", None),
        ("content_twitter", "content_twitter"),
        ("Content X", "content_twitter"),
        ("content-LinkedIn", "content_linkedin"),
        ("text_bsky", "content_bluesky"),
        ("youtube.privacy", "youtube.privacy"),
        ("YouTube.Privacy", "youtube.privacy"),
        ("tiktok.viewer_setting", "tiktok.viewerSetting"),
        ("x.replyTo", "twitter.replyTo"),
        ("youtube.colour", "youtube.colour"),
        ("pinterest.board", "pinterest.board"),
        ("notes.internal", None),
        ("first comment", "first_comment"),
        ("Time Zone", "timezone"),
        ("title", "title"),
        ("status", "status"),
        ("user_id", "user"),
        ("campaign", None),
        ("", None),
    ],
)
def test_match_header(header: str, key: str | None) -> None:
    assert match_header(header) == key


# --- CSV encodings ----------------------------------------------------------------------------

ROW = "Grüße 👋 from Zürich,twitter,2031-03-03 09:00\n"


def test_aliases_are_distinct_after_normalising() -> None:
    # Headers are matched ignoring case, spaces, _ and -: an alias that normalises like another is dead.
    from bulkpost.load import _norm

    names = [_norm(n) for key, aliases in COLUMN_ALIASES.items() for n in (key, *aliases)]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("encoding", "prefix", "label"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM"),
    ],
)
def test_csv_utf8_with_and_without_bom(tmp_path: Path, encoding: str, prefix: bytes, label: str) -> None:
    p = write(tmp_path, "s.csv", prefix + (HEADER + ROW).encode(encoding))
    s = load_sheet(p)
    assert s.encoding == label
    assert not s.encoding_fallback
    assert [h.key for h in s.headers] == ["content", "platforms", "scheduled_time"]
    assert s.headers[0].column == "content"  # the BOM is not part of the first header
    assert values(s, "content") == ["Grüße 👋 from Zürich"]


def test_csv_utf16_excel_unicode_text(tmp_path: Path) -> None:
    # Excel's "Unicode Text" export: UTF-16LE with a BOM, tab-delimited, CRLF line ends.
    text = "content\tplatforms\tscheduled_time\r\nGrüße 👋, friends\tlinkedin\t2031-03-03 09:00\r\n"
    p = write(tmp_path, "unicode.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    s = load_sheet(p)
    assert s.encoding == "UTF-16LE with BOM"
    assert s.delimiter == "\t"
    assert values(s, "content") == ["Grüße 👋, friends"]
    assert values(s, "platforms") == ["linkedin"]


def test_csv_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    p = write(tmp_path, "s.csv", (HEADER + ROW).encode("utf-16-le"))
    s = load_sheet(p)
    assert values(s, "content") == ["Grüße 👋 from Zürich"]


@pytest.mark.parametrize(("encoding", "label"), [("utf-32-le", "UTF-32-LE"), ("utf-32-be", "UTF-32-BE")])
def test_csv_utf32_without_bom_is_decoded_not_called_binary(tmp_path: Path, encoding: str, label: str) -> None:
    p = write(tmp_path, "s.csv", (HEADER + ROW + "日本語のテキスト 🎉🎉🎉,x,2031-03-03 10:00\n").encode(encoding))
    s = load_sheet(p)
    assert s.encoding == label and not s.encoding_fallback
    assert values(s, "content") == ["Grüße 👋 from Zürich", "日本語のテキスト 🎉🎉🎉"]


def test_csv_utf32_pattern_with_a_broken_unit_says_utf32(tmp_path: Path) -> None:
    # 0x00110000 is past the last code point: the NUL pattern says UTF-32, the decoder refuses.
    p = write(tmp_path, "s.csv", (HEADER + ROW).encode("utf-32-le") + b"\x00\x00\x11\x00")
    with pytest.raises(InputError, match="looks like UTF-32-LE text without a byte-order mark, but is not valid"):
        load_sheet(p)


def test_csv_windows_1252_fallback_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path, "s.csv", (HEADER + "Café – “quoted” €5,twitter,2031-03-03 09:00\n").encode("cp1252"))
    s = load_sheet(p)
    assert s.encoding == "Windows-1252"
    assert s.encoding_fallback
    assert values(s, "content") == ["Café – “quoted” €5"]
    assert any("Windows-1252" in n for n in s.notes)


# --- CSV delimiters and shapes ------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    # The content holds the other delimiters, so only the header can tell which one is used.
    d = delimiter
    text = f'content{d}platforms{d}scheduled_time\n"Hi, all; see\tthis"{d}twitter{d}2031-03-03 09:00\n'
    s = load_sheet(write(tmp_path, "s.csv", text))
    assert s.delimiter == delimiter
    assert values(s, "content") == ["Hi, all; see\tthis"]
    assert values(s, "scheduled_time") == ["2031-03-03 09:00"]


def test_csv_publora_layout_loads_as_is(tmp_path: Path) -> None:
    text = (
        "content,platforms,scheduled_time,media_url\n"
        '"Hello from the API",twitter-123456;linkedin-ABC123,2026-03-01T09:00:00Z,https://example.com/a.jpg\n'
    )
    s = load_sheet(write(tmp_path, "publora.csv", text))
    assert [h.key for h in s.headers] == ["content", "platforms", "scheduled_time", "media"]
    assert s.headers[3].column == "media_url"
    row = s.rows[0]
    assert row.get("platforms") == "twitter-123456;linkedin-ABC123"
    assert row.cell("media").column == "media_url"  # type: ignore[union-attr]


def test_csv_ragged_rows_empty_lines_and_trailing_column(tmp_path: Path) -> None:
    text = (
        "content,platforms,scheduled_time,\n"  # trailing empty column in the header
        "one,twitter,2031-03-03 09:00,\n"
        "\n"  # an empty line: row 3, skipped
        "two,linkedin\n"  # short row
        "three,bluesky,2031-03-03 10:00,,extra value\n"  # long row
    )
    s = load_sheet(write(tmp_path, "s.csv", text))
    assert [h.key for h in s.headers] == ["content", "platforms", "scheduled_time"]
    assert [r.number for r in s.rows] == [2, 4, 5]
    assert s.rows[1].get("scheduled_time") is None
    extra = s.rows[2].extra
    assert list(extra) == ["(E)"]
    assert extra["(E)"].value == "extra value" and extra["(E)"].letter == "E" and extra["(E)"].column == ""


def test_csv_quoted_multiline_cells_keep_newlines_and_row_numbers(tmp_path: Path) -> None:
    text = HEADER + '"line one\nline two\n---\nthird",twitter,2031-03-03 09:00\n"after",x,2031-03-03 10:00\n'
    s = load_sheet(write(tmp_path, "s.csv", text))
    assert values(s, "content") == ["line one\nline two\n---\nthird", "after"]
    # Row numbers are records as a spreadsheet shows them, not physical lines.
    assert [r.number for r in s.rows] == [2, 3]


def test_csv_rows_remember_their_place(tmp_path: Path) -> None:
    text = "campaign,content,platforms,scheduled_time\nspring,Hello,twitter,2031-03-03 09:00\n"
    p = write(tmp_path, "s.csv", text)
    s = load_sheet(p)
    row = s.rows[0]
    assert row.file == str(p) and row.sheet is None and row.number == 2
    c = row.cell("content")
    assert c is not None and (c.column, c.key, c.letter, c.value) == ("content", "content", "B", "Hello")
    assert row.extra["campaign"].letter == "A"
    assert s.unknown_columns == ["campaign"]
    assert row.order == ("campaign", "content", "platforms", "scheduled_time")
    assert [c.letter for c in row.iter_cells()] == ["A", "B", "C", "D"]


def test_csv_header_below_title_rows(tmp_path: Path) -> None:
    text = "Launch week plan,,\n,,\n" + HEADER + "Hi,twitter,2031-03-03 09:00\n"
    s = load_sheet(write(tmp_path, "s.csv", text))
    assert s.header_row == 3
    assert [r.number for r in s.rows] == [4]
    assert any("row 3" in n for n in s.notes)


def test_csv_semicolons_below_a_title_line(tmp_path: Path) -> None:
    text = "Launch plan\n" + HEADER.replace(",", ";") + "Hi, all;twitter;2031-03-03 09:00\n"
    s = load_sheet(write(tmp_path, "s.csv", text))
    assert s.delimiter == ";" and s.header_row == 2 and values(s, "content") == ["Hi, all"]


def test_csv_apostrophe_protection_is_removed_on_read(tmp_path: Path) -> None:
    text = HEADER + "'=1+1 is two,twitter,2031-03-03 09:00\n'not a formula,x,2031-03-03 10:00\n"
    s = load_sheet(write(tmp_path, "s.csv", text))
    assert values(s, "content") == ["=1+1 is two", "'not a formula"]


def test_csv_date_and_time_columns(tmp_path: Path) -> None:
    s = load_sheet(write(tmp_path, "s.csv", "content,platforms,date,time\nHi,x,2031-03-03,09:00\n"))
    assert [h.key for h in s.headers] == ["content", "platforms", "date", "time"]
    s = load_sheet(write(tmp_path, "t.csv", "content,platforms,date\nHi,x,2031-03-03 09:00\n"))
    assert [h.key for h in s.headers] == ["content", "platforms", "scheduled_time"]


# --- unusable CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n\n  \n", "the file is empty"),
        ("bom-only.csv", b"\xef\xbb\xbf", "the file is empty"),
        ("binary.csv", bytes(range(256)) * 8, "binary file"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200, "binary file"),
        ("noheader.csv", b"Hello world,twitter,2031-03-03 09:00\nBye,x,2031-03-04 09:00\n", "no header row"),
        ("onlycontent.csv", b"content,when\nHello,2031-03-03 09:00\n", 'no "platforms" column'),
        ("platformsonly.csv", b"platforms,notes\nx,hi\n", 'no "content" column in the header (row 1)'),
        ("noplatforms.csv", b"text,scheduled_time,media\nHi,2031-03-03 09:00,\n", 'no "platforms" column'),
        ("dupes.csv", b"content,platforms,text\nHi,x,Ho\n", 'columns A ("content") and C ("text") are both'),
    ],
)
def test_unusable_csv_raises_one_clear_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    p = write(tmp_path, name, data)
    with pytest.raises(InputError) as info:
        load_sheet(p)
    assert message in info.value.message
    assert info.value.message.startswith(str(p))
    assert "\n" not in info.value.message
    assert info.value.exit_code == 2


def test_huge_csv_field_is_an_input_error(tmp_path: Path) -> None:
    p = write(tmp_path, "big.csv", HEADER + '"' + "a" * 1_100_000 + '",x,2031-03-03 09:00\n')
    with pytest.raises(InputError, match="longer than 1,000,000 characters"):
        load_sheet(p)


def test_field_size_limit_is_restored(tmp_path: Path) -> None:
    import csv

    before = csv.field_size_limit()
    load_sheet(write(tmp_path, "s.csv", HEADER + "a,x,2031-03-03 09:00\n"))
    assert csv.field_size_limit() == before


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_sheet(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        load_sheet(tmp_path)


@pytest.mark.parametrize("suffix", [".xls", ".xlsb", ".ods"])
def test_old_and_open_document_formats_say_save_as(tmp_path: Path, suffix: str) -> None:
    p = write(tmp_path, "book" + suffix, b"whatever")
    with pytest.raises(InputError) as info:
        load_sheet(p)
    assert f"{suffix} files are not supported" in info.value.message
    assert info.value.hint and "save it as .xlsx" in info.value.hint


def test_sheet_option_on_csv_is_misuse(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="a CSV file has no sheets"):
        load_sheet(write(tmp_path, "s.csv", HEADER), sheet="posts")


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_real_dates_stay_datetimes(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "posts"
    ws.append(["Content", "Platforms", "Scheduled Time", "date", "time", "tiktok.allowComments", "youtube.categoryId"])
    ws.append(["Hi", "twitter", datetime(2031, 3, 3, 9, 30), None, None, True, 22])
    ws["C2"].number_format = "dd/mm/yyyy hh:mm"
    p = tmp_path / "dates.xlsx"
    wb.save(p)
    s = load_sheet(p)
    assert s.kind == "xlsx" and s.sheet == "posts"
    row = s.rows[0]
    assert row.get("scheduled_time") == datetime(2031, 3, 3, 9, 30)
    assert row.get("tiktok.allowComments") is True
    assert row.get("youtube.categoryId") == 22
    assert row.sheet == "posts" and row.number == 2


def test_xlsx_separate_date_and_time_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "date", "time"])
    ws.append(["Hi", "x", datetime(2031, 3, 3), time(9, 15)])
    p = tmp_path / "dt.xlsx"
    wb.save(p)
    row = load_sheet(p).rows[0]
    assert row.get("date") == datetime(2031, 3, 3)
    assert row.get("time") == time(9, 15)


@pytest.mark.parametrize(
    ("fmt", "is_date"),
    [
        ("yyyy-mm-dd", True),
        ("m/d/yyyy", True),
        ("[$-409]mmmm d, yyyy", True),
        ('"on "dd.mm.yyyy', True),
        ("yyyy-mm-dd hh:mm", False),
        ("d mmm yyyy h:mm AM/PM", False),
        ("mm:ss", False),
    ],
)
def test_xlsx_date_cell_without_a_time_format_is_a_date(tmp_path: Path, fmt: str, is_date: bool) -> None:
    # Excel stores a typed date as midnight; only its format says no time of day was given.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "scheduled_time", "noted"])
    ws.append(["Hi", "x", datetime(2031, 3, 3), datetime(2031, 3, 3, 9, 30)])
    ws["C2"].number_format = fmt
    ws["D2"].number_format = fmt  # not midnight: the real value is kept whatever the format shows
    p = tmp_path / "d.xlsx"
    wb.save(p)
    row = load_sheet(p).rows[0]
    value = row.get("scheduled_time")
    assert (type(value), value) == ((date, date(2031, 3, 3)) if is_date else (datetime, datetime(2031, 3, 3)))
    assert row.extra["noted"].value == datetime(2031, 3, 3, 9, 30)


def test_xlsx_default_sheet_is_first_with_header_and_sheet_option(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    intro = wb.active
    intro.title = "Read me"
    intro.append(["This workbook holds our posts."])
    a = wb.create_sheet("March")
    a.append(["content", "platforms"])
    a.append(["march post", "x"])
    b = wb.create_sheet("April")
    b.append(["content", "platforms"])
    b.append(["april post", "linkedin"])
    p = tmp_path / "multi.xlsx"
    wb.save(p)
    s = load_sheet(p)
    assert s.sheet == "March" and values(s, "content") == ["march post"]
    assert any("March" in n for n in s.notes)
    s = load_sheet(p, sheet="April")
    assert s.sheet == "April" and values(s, "content") == ["april post"]
    assert load_sheet(p, sheet="april").sheet == "April"  # case-insensitive fallback
    with pytest.raises(InputError, match="no sheet named 'May'; the sheets are: Read me, March, April"):
        load_sheet(p, sheet="May")
    with pytest.raises(InputError, match="sheet 'Read me' has no header row"):
        load_sheet(p, sheet="Read me")


def test_xlsx_without_any_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["just", "data"])
    p = tmp_path / "nohead.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match="no sheet has a header row"):
        load_sheet(p)


def test_xlsx_sheet_missing_a_required_column(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Message", "when"])
    wb.active.append(["hi", "2031-03-03 09:00"])
    p = tmp_path / "nocontent.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=r"\(sheet 'Sheet'\): no \"platforms\" column in the header \(row 1\)"):
        load_sheet(p)


def test_xlsx_merged_and_blank_header_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Posts for March", None, None, None, None])  # a merged title row above the header
    ws.merge_cells("A1:E1")
    ws.append(["content", "platforms", "media", None, None])
    ws.merge_cells("C2:D2")  # "media" merged over C and D
    ws.append(["Hi", "x", "a.jpg", "b.jpg", "stray"])
    p = tmp_path / "merged.xlsx"
    wb.save(p)
    s = load_sheet(p)
    assert s.header_row == 2
    # Trailing blank header cells are not columns (D is covered by the merge, E has no header).
    assert [(h.letter, h.key) for h in s.headers] == [("A", "content"), ("B", "platforms"), ("C", "media")]
    row = s.rows[0]
    assert row.number == 3
    assert row.get("media") == "a.jpg"
    # Covered by the merge or without a header: kept as unnamed values (the validator warns).
    assert {k: c.value for k, c in row.extra.items()} == {"(D)": "b.jpg", "(E)": "stray"}


def _set_cached_values(path: Path, cached: dict[str, str]) -> None:
    """Give formula cells a cached value, as Excel does when it saves.

    openpyxl writes formulas without a result (``<f>..</f><v/>``) because it cannot compute
    them; Excel stores the last result in ``<v>``. This rewrites the sheet XML the same way.
    """
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for ref, value in cached.items():
                    xml, n = re.subn(
                        rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
                        lambda m, v=value: f'<c r="{ref}" t="str"><f>{m.group(1)}</f><v>{v}</v>',
                        xml,
                    )
                    assert n == 1, ref
                data = xml.encode()
            dst.writestr(item, data)
    tmp.replace(path)


def test_xlsx_formulas_give_their_cached_values(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(['="Hello "&"world"', '=LOWER("TWITTER")', "2031-03-03 09:00"])
    p = tmp_path / "formulas.xlsx"
    wb.save(p)
    _set_cached_values(p, {"A2": "Hello world", "B2": "twitter"})
    row = load_sheet(p).rows[0]
    assert row.get("content") == "Hello world"
    assert row.get("platforms") == "twitter"


def test_xlsx_formulas_without_saved_results_are_counted(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "posts"
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(['="Hello "&"world"', "x", "2031-03-03 09:00"])
    ws.append(['=A2&"!"', '=LOWER("X")', "2031-03-03 10:00"])
    p = tmp_path / "uncalculated.xlsx"
    wb.save(p)  # openpyxl stores the formulas without results
    s = load_sheet(p)
    assert s.uncalculated_formulas == 3
    assert s.rows[0].get("content") is None
    _set_cached_values(p, {"A2": "Hello world", "A3": "Hello world!", "B3": "x"})
    assert load_sheet(p).uncalculated_formulas == 0


def test_openpyxl_uses_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_password_protected_xlsx(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_sheet(DATA / "password-protected.xlsx")
    assert "password-protected (encrypted)" in info.value.message
    assert info.value.hint and "remove the password" in info.value.hint


def test_old_xls_renamed_to_xlsx(tmp_path: Path) -> None:
    # An OLE compound file without encryption streams: an .xls saved under a .xlsx name.
    p = write(tmp_path, "old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le"))
    with pytest.raises(InputError, match=r"old-format Excel \(.xls\) workbook"):
        load_sheet(p)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", "the workbook is corrupt"),
        (b"not a zip at all", "the workbook is corrupt"),
    ],
)
def test_corrupt_xlsx(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_sheet(write(tmp_path, "broken.xlsx", data))


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "other.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="not an Excel workbook"):
        load_sheet(p)


def test_xlsb_renamed_to_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "binary.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(InputError) as info:
        load_sheet(p)
    assert info.value.message.endswith("binary.xlsx: this is a binary Excel workbook (.xlsb), not .xlsx")


def test_ods_renamed_to_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "calc.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(InputError, match=r"OpenDocument \(.ods\)"):
        load_sheet(p)


def test_truncated_xlsx(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["content", "platforms"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    data = good.read_bytes()
    with pytest.raises(InputError, match="corrupt"):
        load_sheet(write(tmp_path, "cut.xlsx", data[: len(data) // 2]))


def test_zip_bomb_is_refused_before_openpyxl(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["content", "platforms"])
    p = tmp_path / "bomb.xlsx"
    wb.save(p)
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\x00" * (30 * 1024 * 1024))  # 30 MB of zeros -> ~30 KB
    assert p.stat().st_size < 1_000_000
    with pytest.raises(InputError, match="zip bomb"):
        load_sheet(p)


def test_too_many_columns(tmp_path: Path) -> None:
    header = "content,platforms," + ",".join(f"c{i}" for i in range(MAX_COLUMNS)) + "\n"
    with pytest.raises(InputError, match=f"at most {MAX_COLUMNS} are read"):
        load_sheet(write(tmp_path, "wide.csv", header))


def test_too_many_columns_xlsx_names_the_real_count(tmp_path: Path) -> None:
    """The cap is 500, but the message gives the header's real width (not "501")."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Posts"
    ws.append(["content", "platforms", "scheduled_time"] + [f"c{i}" for i in range(1197)])
    ws.append(["Hi", "x", "2031-03-03 09:00"])
    p = tmp_path / "wide.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=rf"sheet 'Posts': the header has 1200 columns; at most {MAX_COLUMNS} are read"):
        load_sheet(p)


def test_value_beyond_the_column_cap_is_refused_not_dropped(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Posts"
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(["Hi", "x", "2031-03-03 09:00"])
    ws.append(["Ho", "x", "2031-03-03 10:00"])
    ws.cell(row=3, column=MAX_COLUMNS + 1, value="lost?")
    ws.cell(row=2, column=MAX_COLUMNS + 3, value="   ")  # blank text is nothing to lose
    ws.cell(row=4, column=MAX_COLUMNS + 7, value=0)
    p = tmp_path / "beyond.xlsx"
    wb.save(p)
    with pytest.raises(InputError) as info:
        load_sheet(p)
    err = info.value
    assert str(err) == (
        f"{p}: sheet 'Posts': a value in cell SG3 (column SG, col 501) (and 1 more) is beyond the 500 columns bulkpost reads"
    )
    assert err.hint and "delete it" in err.hint
    # The same sheet without the far values loads, and a value in column 500 itself is kept.
    ws.cell(row=3, column=MAX_COLUMNS + 1).value = None  # cell(value=None) would not clear it
    ws.cell(row=4, column=MAX_COLUMNS + 7).value = None
    ws.cell(row=2, column=MAX_COLUMNS, value="kept")
    wb.save(p)
    sheet = load_sheet(p)
    assert [r.number for r in sheet.rows] == [2, 3]
    assert [c.value for c in sheet.rows[0].extra.values()] == ["kept"]


def test_value_beyond_the_cap_above_the_header_is_skipped_with_its_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Weekly plan"])
    ws.cell(row=1, column=MAX_COLUMNS + 2, value="note")
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(["Hi", "x", "2031-03-03 09:00"])
    p = tmp_path / "title.xlsx"
    wb.save(p)
    sheet = load_sheet(p)
    assert sheet.header_row == 2 and [r.number for r in sheet.rows] == [3]


def _fifo(tmp_path: Path, name: str, data: bytes) -> Path:
    """A named pipe that a thread fills with ``data`` once (like ``<(cat file)``)."""
    import os
    import threading

    p = tmp_path / name
    os.mkfifo(p)

    def feed() -> None:
        with p.open("wb") as fh:  # blocks until the loader opens the other end
            fh.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return p


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_read_by_streaming_not_called_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    p = _fifo(tmp_path, "63", (HEADER + ROW).encode("utf-8"))
    s = load_sheet(p)
    assert s.path == p and s.kind == "csv"
    assert values(s, "content") == ["Grüße 👋 from Zürich"] and s.rows[0].file == str(p)
    assert s.base_dir == tmp_path  # a pipe has no folder: relative media come from the current one


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_a_piped_xlsx_and_a_piped_empty_file(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["content", "platforms", "scheduled_time"])
    wb.active.append(["Hi", "x", "2031-03-03 09:00"])
    saved = tmp_path / "w.xlsx"
    wb.save(saved)
    s = load_sheet(_fifo(tmp_path, "62", saved.read_bytes()))  # no suffix, as /dev/fd/62 has none
    assert s.kind == "xlsx" and values(s, "content") == ["Hi"]
    with pytest.raises(InputError, match=r"62b: the file is empty$"):
        load_sheet(_fifo(tmp_path, "62b", b""))


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bulkpost.load as load_module

    monkeypatch.setattr(load_module, "MAX_ROWS", 3)  # the cap is a constant; 100,000 rows would be slow
    text = HEADER + "".join(f"post {i},x,2031-03-03 09:00\n" for i in range(4))
    with pytest.raises(InputError, match="more than 3 data rows"):
        load_sheet(write(tmp_path, "long.csv", text))


# --- invariants ---------------------------------------------------------------------------------

cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t"), max_size=30)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=8))
def test_csv_roundtrip_keeps_rows_order_and_text(tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["content", "platforms", "n"])
    for i, (content, platforms) in enumerate(rows):
        w.writerow([content, platforms, str(i)])
    p = tmp_path_factory.mktemp("rt") / "s.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    s = load_sheet(p)
    # Blank rows are skipped; the n column is never blank, so every row survives, in order.
    assert [r.extra["n"].value for r in s.rows] == [str(i) for i in range(len(rows))]
    expected = [c[1:] if len(c) > 1 and c[0] == "'" and c[1] in "=+-@" else c for c, _ in rows]
    assert [r.cell("content").value for r in s.rows] == expected  # type: ignore[union-attr]
