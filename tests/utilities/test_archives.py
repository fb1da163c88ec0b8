"""utilities.archives: a zip is judged by what it really inflates to, never by its headers."""

import io
import tracemalloc
import zipfile

import pytest

from tests.zips import understate_sizes, zip_bytes
from utilities.archives import (
    ArchiveDamaged,
    ArchiveEncrypted,
    ArchiveTooLarge,
    ArchiveTooManyEntries,
    ArchiveUnsupported,
    check_archive,
)

LIMIT = 1024 * 1024


def check(data: bytes, *, max_unpacked=LIMIT, max_entries=100):
    return check_archive(io.BytesIO(data), max_unpacked=max_unpacked, max_entries=max_entries)


def test_members_that_inflate_to_exactly_the_limit_are_accepted_one_byte_more_refused():
    assert check(zip_bytes({"a.txt": LIMIT - 10, "b.txt": 10})).unpacked == LIMIT
    with pytest.raises(ArchiveTooLarge):
        check(zip_bytes({"a.txt": LIMIT - 10, "b.txt": 11}))


def test_stored_members_count_too():
    assert check(zip_bytes({"a.txt": LIMIT}, compression=zipfile.ZIP_STORED)).unpacked == LIMIT
    with pytest.raises(ArchiveTooLarge):
        check(zip_bytes({"a.txt": LIMIT + 1}, compression=zipfile.ZIP_STORED))


def test_headers_that_understate_the_sizes_are_not_believed():
    data = understate_sizes(zip_bytes({"word/document.xml": 50 * LIMIT}))
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].file_size == 100  # what it claims
    with pytest.raises(ArchiveTooLarge):
        check(data)


def test_counting_stops_at_the_limit_and_holds_no_member_in_memory():
    data = zip_bytes({"word/document.xml": 200 * LIMIT})
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveTooLarge):
            check(data, max_unpacked=150 * LIMIT)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * LIMIT  # a few 64 KB chunks, not 150 MB


def test_members_that_share_their_data_are_refused():
    """The overlapping bomb: many directory entries pointing at one compressed stream."""
    one = zip_bytes({"a.txt": 1000})
    archive = zipfile.ZipFile(io.BytesIO(one))
    entry = archive.infolist()[0]
    directory_at = one.index(b"PK\x01\x02")
    end_at = one.index(b"PK\x05\x06")
    record = one[directory_at:end_at]
    copies = 20
    end = bytearray(one[end_at:])
    end[8:12] = copies.to_bytes(2, "little") * 2
    end[12:16] = (len(record) * copies).to_bytes(4, "little")
    data = one[:directory_at] + record * copies + bytes(end)
    assert len(zipfile.ZipFile(io.BytesIO(data)).infolist()) == copies and entry.header_offset == 0
    with pytest.raises(ArchiveDamaged):
        check(data)


def test_too_many_entries_are_refused_before_the_directory_is_read():
    with pytest.raises(ArchiveTooManyEntries) as refused:
        check(zip_bytes({f"f{n}": b"" for n in range(101)}))
    assert (refused.value.count, refused.value.limit) == (101, 100)
    assert len(check(zip_bytes({f"f{n}": b"" for n in range(100)})).names) == 100


def test_damaged_encrypted_and_unusual_archives_are_refused():
    with pytest.raises(ArchiveDamaged):
        check(b"PK\x03\x04 not a zip")
    truncated = zip_bytes({"a.txt": b"x" * 5000})
    with pytest.raises(ArchiveDamaged):
        check(truncated[:40] + bytes(len(truncated) - 40))
    encrypted = bytearray(zip_bytes({"a.txt": b"secret"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        encrypted[encrypted.index(signature) + offset] |= 1
    with pytest.raises(ArchiveEncrypted):
        check(bytes(encrypted))
    with pytest.raises(ArchiveUnsupported):
        check(zip_bytes({"a.txt": b"x" * 100}, compression=zipfile.ZIP_BZIP2))
