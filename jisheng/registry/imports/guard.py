"""Checking a spreadsheet's size before anything parses it: hostile files are refused, not opened.

The spreadsheet reader builds the whole used area of a sheet in memory, as large as the sheet says
it is. A 1.6 KB .xlsx with one cell at A1 and one at XFD1048576 asks it for hundreds of gigabytes
and aborts the process (no Python exception can catch that); a 1.8 MB zip bomb unpacks to a million
rows. So before the reader sees an .xlsx, this module unpacks it itself, streaming and with a bound:

- every part of the zip is inflated here from its raw bytes, with a limit on what comes out, and
  must be exactly as long as the zip says (a part that lies about its size is refused: the reader
  would trust the lie differently from us);
- each worksheet's XML is scanned as it streams by: its declared ``<dimension>``, the highest row
  and column any cell names, the widest row and the number of rows must stay within the limits.

A .csv is bounded by its size and its number of lines. Nothing here builds a row in memory.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

# Generous for a township's roster (a county imports township by township), small enough that the
# reader's dense grid of the largest allowed sheet stays within a few hundred megabytes.
MAX_ROWS = 200_000
MAX_COLUMNS = 256
MAX_CELLS = 8_000_000  # rows x columns of the used area
MAX_UNPACKED_BYTES = 600 * 1024 * 1024  # all parts of an .xlsx together, once inflated
MAX_CSV_BYTES = 200 * 1024 * 1024
MAX_PARTS = 5_000
TITLE_ROWS = 10  # rows above the header a file may have, on top of MAX_ROWS
CHUNK = 1 << 20
LONGEST_TAG = 1 << 20  # one XML tag longer than this is not a spreadsheet

ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
SPACES = (b" ", b"\n", b"\t", b"\r")
LAST_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"0*(\d{1,10})\"")
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([^\"]{1,40})\"")
REF = re.compile(r"([A-Za-z]{1,5})(\d{1,10})")


class UnreadableFile(ValueError):
    """The file is not a spreadsheet the reader can open; the message says so in the user's language."""


class HostileFile(UnreadableFile):
    """Too large or malformed to open safely; the message says why in the user's language."""


def limit(name: str, default: int) -> int:
    """Each limit can be lowered (or raised) in settings, e.g. ``REGISTRY_IMPORT_MAX_ROWS``."""
    return int(getattr(settings, f"REGISTRY_IMPORT_{name}", default))


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def check_xlsx(path: Path) -> None:
    """Raise HostileFile unless the workbook's parts and sheets are within the limits."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise HostileFile(_damaged()) from None
    with archive, path.open("rb") as handle:
        parts = archive.infolist()
        if len(parts) > limit("MAX_PARTS", MAX_PARTS):
            raise HostileFile(_damaged())
        budget = limit("MAX_UNPACKED_BYTES", MAX_UNPACKED_BYTES)
        if sum(part.file_size for part in parts) > budget:
            raise HostileFile(_too_large_unpacked(budget))
        for part in parts:
            if part.flag_bits & 0x1:
                raise HostileFile(_("The workbook is protected by a password; save it without one."))
            inflated = _inflate(handle, part, budget)
            if "worksheets/" in part.filename and part.filename.endswith(".xml"):
                budget -= _scan_sheet(inflated)
            else:
                budget -= sum(len(piece) for piece in inflated)


def _inflate(handle: BinaryIO, part: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The part's bytes, inflated from the raw data at its local header, never more than budget,
    and exactly as many as the zip's directory declares."""
    handle.seek(part.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise HostileFile(_damaged())
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(part.header_offset + 30 + name_length + extra_length)
    if part.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif part.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise HostileFile(_damaged())
    left = part.compress_size
    produced = 0
    while left > 0:
        raw = handle.read(min(CHUNK, left))
        if not raw:
            raise HostileFile(_damaged())
        left -= len(raw)
        if inflater is None:
            pieces: Iterator[bytes] = iter((raw,))
        else:
            pieces = _bounded(inflater, raw)
        for piece in pieces:
            produced += len(piece)
            if produced > part.file_size or produced > budget:
                raise HostileFile(_too_large_unpacked(budget) if produced > budget else _damaged())
            yield piece
    if inflater is not None:
        rest = inflater.flush()
        produced += len(rest)
        if rest:
            yield rest
    if produced != part.file_size:
        raise HostileFile(_damaged())


def _bounded(inflater: zlib._Decompress, raw: bytes) -> Iterator[bytes]:
    """Inflate one chunk a megabyte at a time: a megabyte of deflate can hold a gigabyte."""
    try:
        piece = inflater.decompress(raw, CHUNK)
        while True:
            yield piece
            if not inflater.unconsumed_tail:
                return
            piece = inflater.decompress(inflater.unconsumed_tail, CHUNK)
    except zlib.error:
        raise HostileFile(_damaged()) from None


def _scan_sheet(pieces: Iterator[bytes]) -> int:
    """Scan one worksheet's XML as it streams; return its size. Tags never split between scans:
    each scan stops at the last ``<`` and the rest waits for the next piece.

    The scan counts with bytes.count and matches only what can break a limit (row numbers with as
    many digits as the limit, column letters beyond Z), so a legitimate sheet costs a fraction of
    what the reader spends on it.
    """
    sheet = _SheetScan()
    carry = b""
    size = 0
    for piece in pieces:
        size += len(piece)
        text = carry + piece
        cut = text.rfind(b"<")
        if cut <= 0:
            carry = text
        else:
            sheet.scan(text[:cut])
            carry = text[cut:]
        if len(carry) > LONGEST_TAG:
            raise HostileFile(_damaged())
    sheet.scan(carry)
    return size


class _SheetScan:
    """What one sheet's XML says about its size, chunk by chunk.

    A sheet lists its rows in order, so a chunk's last row number bounds the row numbers in it, and
    the widest column seen so far bounds the columns; each chunk is searched (one pass in C, no
    match in an ordinary sheet) for a reference beyond those bounds, and only a chunk that has one
    is read reference by reference.
    """

    def __init__(self) -> None:
        self.max_rows = limit("MAX_ROWS", MAX_ROWS) + TITLE_ROWS
        self.max_columns = limit("MAX_COLUMNS", MAX_COLUMNS)
        self.max_cells = limit("MAX_CELLS", MAX_CELLS)
        self.prefix: bytes | None = None
        self.rows = self.highest_row = 0
        self.widest = 26  # single-letter columns are never looked at one by one
        self.dimension_seen = False

    def scan(self, text: bytes) -> None:
        if self.prefix is None:
            root = ROOT.search(text)
            if root is None:
                if len(text) > LONGEST_TAG:
                    raise HostileFile(_damaged())
            else:
                self.prefix = root.group(1) or b""
        if not self.dimension_seen:
            found = DIMENSION.search(text)
            # The dimension comes before the sheet's data or not at all.
            self.dimension_seen = found is not None or b"sheetData" in text
            if found:
                _check_dimension(
                    found.group(1).decode("ascii", "replace"), self.max_rows, self.max_columns, self.max_cells
                )
        p = b"<" + (self.prefix or b"")
        row_tags = text.count(p + b"row")  # also counts <rowBreaks>: more rows is the safe side
        cell_tags = text.count(p + b"c ") + text.count(p + b"c>") + text.count(p + b"c/")
        self.rows += row_tags
        last = LAST_ROW.match(text, max(text.rfind(p + b"row "), 0))
        self.highest_row = max(self.highest_row, self.rows, int(last.group(1)) if last else 0)
        references = -row_tags
        for space in SPACES:
            if space + b'r="' not in text:
                continue
            references += text.count(space + b'r="')
            # Patterns starting with a literal are found by a fast substring search.
            if re.search(space + b'r="[A-Za-z]{0,5}0*(?:' + _beyond_number(self.highest_row) + b')"', text):
                numbers = re.findall(space + rb'r="[A-Za-z]{0,5}0*(\d+)"', text)
                self.highest_row = max(self.highest_row, max(map(int, numbers), default=0))
            if re.search(space + b'r="(?:' + _beyond_letters(self.widest) + rb")\d", text):
                letters = set(re.findall(space + rb'r="([A-Za-z]+)\d', text))
                self.widest = max(
                    self.widest, max((column_number(group.decode()) for group in letters), default=0)
                )
        if cell_tags > references:
            # Cells without a reference take the next column: the widest row bounds the width.
            self.widest = max(self.widest, _widest_row(text, p))
        if self.highest_row > self.max_rows:
            raise HostileFile(_too_many_rows(self.max_rows - TITLE_ROWS))
        if self.widest > self.max_columns or self.highest_row * self.widest > self.max_cells:
            raise HostileFile(_too_wide(self.highest_row, self.widest))


def _beyond_number(number: int) -> bytes:
    """A pattern for decimal numbers greater than number (without leading zeros)."""
    digits = str(number)
    options = [rb"[1-9]\d{%d,}" % len(digits)]
    for position, digit in enumerate(digits):
        if digit != "9":
            rest = len(digits) - position - 1
            options.append(digits[:position].encode() + b"[%d-9]" % (int(digit) + 1) + rb"\d{%d}" % rest)
    return b"|".join(options)


def _beyond_letters(number: int) -> bytes:
    """A pattern for column letters after column number (1 is A)."""
    letters = column_letters(number)
    options = [rb"[A-Za-z]{%d,}" % (len(letters) + 1)]
    for position, letter in enumerate(letters):
        if letter != "Z":
            rest = len(letters) - position - 1
            options.append(
                letters[:position].encode() + b"[%s-Z]" % chr(ord(letter) + 1).encode() + b"[A-Z]{%d}" % rest
            )
    return b"|".join(options)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _widest_row(text: bytes, p: bytes) -> int:
    widest = 0
    for segment in re.split(re.escape(p) + rb"row[\s/>]", text):
        widest = max(widest, len(re.findall(re.escape(p) + rb"c[\s/>]", segment)))
    return widest


def _check_dimension(ref: str, max_rows: int, max_columns: int, max_cells: int) -> None:
    corners = REF.findall(ref)
    if not corners:
        return
    columns = max(column_number(letters) for letters, _digits in corners)
    rows = max(int(digits) for _letters, digits in corners)
    if rows > max_rows:
        raise HostileFile(_too_many_rows(max_rows - TITLE_ROWS))
    if columns > max_columns or rows * columns > max_cells:
        raise HostileFile(_too_wide(rows, columns))


def check_csv(path: Path) -> None:
    max_bytes = limit("MAX_CSV_BYTES", MAX_CSV_BYTES)
    if path.stat().st_size > max_bytes:
        raise HostileFile(
            _("The file is larger than %(size)s MB; split it into smaller files.")
            % {"size": max_bytes // (1024 * 1024)}
        )
    max_rows = limit("MAX_ROWS", MAX_ROWS)
    lines = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            lines += chunk.count(b"\n")
    if lines > max_rows + TITLE_ROWS:
        raise HostileFile(_too_many_rows(max_rows))


def _damaged() -> str:
    return _(
        "The file is damaged or is not a real .xlsx; open it in Excel or WPS and save it as .xlsx again."
    )


def _too_large_unpacked(budget: int) -> str:
    return _("Unpacked, the file is larger than %(size)s MB; split it into smaller files.") % {
        "size": budget // (1024 * 1024)
    }


def _too_many_rows(max_rows: int) -> str:
    return _("The sheet has more than %(limit)s rows, more than one file may hold: split it.") % {
        "limit": max_rows
    }


def _too_wide(rows: int, columns: int) -> str:
    return _(
        "The sheet's used area is %(rows)s rows by %(columns)s columns, more than an import can read: "
        "delete the empty rows and columns after your data, or copy the data into a new workbook."
    ) % {"rows": rows, "columns": columns}
