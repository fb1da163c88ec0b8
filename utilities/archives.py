"""Zip archives checked by what they really inflate to, never by what they declare.

A zip's central directory and local headers state each member's sizes, and nothing obliges
them to be true: a member declared as 1 KB may inflate to 2 GB. So each member's data is
inflated here, from its local header on, in small chunks that are counted and thrown away,
stopping as soon as the running total passes the limit. Memory stays at a few chunks
whatever the archive holds. The sizes the archive declares are not read at all, except a
stored (uncompressed) member's, which cannot inflate: its bytes are the file's own.

Members that overlap (several directory entries pointing at the same compressed data, the
"overlapping" zip bomb) are refused: in a true archive each member starts after the one
before it has ended.

Messages are the callers' business: the errors carry the facts (counts, limits) and each
caller words them for its own page.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # the 30 bytes before a member's name
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED = 0x1


class ArchiveRefused(ValueError):
    """The archive cannot be accepted; subclasses say why."""


class ArchiveDamaged(ArchiveRefused):
    """Not a readable zip: no directory, a broken header, a broken or overlapping stream."""


class ArchiveEncrypted(ArchiveRefused):
    """A member is password-protected, so what it holds cannot be checked."""


class ArchiveUnsupported(ArchiveRefused):
    """A member is compressed with a method other than stored or deflate."""

    def __init__(self, method: int):
        super().__init__(f"compression method {method}")
        self.method = method


class ArchiveTooManyEntries(ArchiveRefused):
    def __init__(self, count: int, limit: int):
        super().__init__(f"{count} entries, at most {limit}")
        self.count, self.limit = count, limit


class ArchiveTooLarge(ArchiveRefused):
    """The members inflate to more than ``limit`` bytes (counting stopped there)."""

    def __init__(self, limit: int):
        super().__init__(f"inflates to more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class ArchiveContents:
    names: list[str]
    unpacked: int  # bytes, as really inflated


def check_archive(file: BinaryIO, *, max_unpacked: int, max_entries: int) -> ArchiveContents:
    """Inflate every member of the zip in ``file`` (a seekable binary file), counting.

    Raises ArchiveTooManyEntries beyond ``max_entries`` members, ArchiveTooLarge as soon as
    the members together inflate past ``max_unpacked`` bytes (exactly ``max_unpacked`` is
    accepted), and ArchiveDamaged, ArchiveEncrypted or ArchiveUnsupported for what cannot be
    checked. Leaves ``file`` at its start.
    """
    file.seek(0, 2)
    size = file.tell()
    try:
        declared = _declared_entries(file, size)
        if declared > max_entries:
            # Refused before the directory is read: a directory of a million entries would
            # cost far more memory than the file's size suggests.
            raise ArchiveTooManyEntries(declared, max_entries)
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise ArchiveDamaged(str(error)) from None
        if len(entries) > max_entries:
            raise ArchiveTooManyEntries(len(entries), max_entries)
        budget = _Budget(max_unpacked=max_unpacked)
        end = 0
        for entry in sorted(entries, key=lambda entry: entry.header_offset):
            if entry.header_offset < end:
                raise ArchiveDamaged("members overlap")
            end = _inflate(file, entry, size, budget)
        return ArchiveContents(names=[entry.filename for entry in entries], unpacked=budget.unpacked)
    finally:
        file.seek(0)


_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END_SIGNATURE = b"PK\x05\x06"
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_SIGNATURE = b"PK\x06\x06"


def _declared_entries(file: BinaryIO, size: int) -> int:
    """How many entries the archive's end record says its directory holds (0 when there is no
    end record: zipfile then tells that the archive is damaged)."""
    tail_start = max(0, size - (_END.size + 0xFFFF))
    file.seek(tail_start)
    tail = file.read()
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END.size:
        return 0
    count = _END.unpack_from(tail, at)[4]
    if count != 0xFFFF or at < _END64_LOCATOR.size:
        return count
    locator = _END64_LOCATOR.unpack_from(tail, at - _END64_LOCATOR.size)
    if locator[0] != _END64_LOCATOR_SIGNATURE or locator[2] + _END64.size > size:
        return count
    file.seek(locator[2])
    record = file.read(_END64.size)
    if len(record) < _END64.size or not record.startswith(_END64_SIGNATURE):
        return count
    return _END64.unpack(record)[6]


@dataclass
class _Budget:
    max_unpacked: int
    unpacked: int = 0

    def inflated(self, count: int) -> None:
        self.unpacked += count
        if self.unpacked > self.max_unpacked:
            raise ArchiveTooLarge(self.max_unpacked)


def _inflate(file: BinaryIO, entry: zipfile.ZipInfo, size: int, budget: _Budget) -> int:
    """Count what one member really inflates to, from its local header on; returns where its
    data ends."""
    if entry.flag_bits & _ENCRYPTED:
        raise ArchiveEncrypted(entry.filename)
    if entry.header_offset < 0 or entry.header_offset + _LOCAL_HEADER.size > size:
        raise ArchiveDamaged("header outside the file")
    file.seek(entry.header_offset)
    header = file.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_SIGNATURE:
        raise ArchiveDamaged("bad local header")
    flags, method, name_length, extra_length = fields[3], fields[4], fields[10], fields[11]
    if flags & _ENCRYPTED:
        raise ArchiveEncrypted(entry.filename)
    start = entry.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    if start > size:
        raise ArchiveDamaged("data outside the file")
    file.seek(start)
    if method == zipfile.ZIP_STORED:
        # Stored bytes are the file's own: they cannot come to more than the file holds.
        if start + entry.compress_size > size:
            raise ArchiveDamaged("stored member runs past the end")
        budget.inflated(entry.compress_size)
        return start + entry.compress_size
    if method == zipfile.ZIP_DEFLATED:
        return _inflate_deflate(file, start, size, budget)
    raise ArchiveUnsupported(method)


def _inflate_deflate(file: BinaryIO, start: int, size: int, budget: _Budget) -> int:
    """Run the raw deflate stream to its end (it says where it ends; the header's compressed
    size is not trusted either), counting the output and keeping none of it. Returns where
    the stream ends."""
    stream = zlib.decompressobj(-zlib.MAX_WBITS)
    position = start
    try:
        while not stream.eof:
            if position >= size:
                raise ArchiveDamaged("deflate stream runs past the end")
            chunk = file.read(min(CHUNK, size - position))
            if not chunk:
                raise ArchiveDamaged("deflate stream runs past the end")
            position += len(chunk)
            data = chunk
            while not stream.eof:
                out = stream.decompress(data, CHUNK)
                budget.inflated(len(out))
                data = stream.unconsumed_tail
                if not data and not out:
                    break
    except zlib.error as error:
        raise ArchiveDamaged(str(error)) from None
    return position - len(stream.unused_data)
