"""Zip archives for the archive tests: honest ones, and ones whose headers lie."""

import io
import struct
import zipfile


def zip_bytes(members: dict[str, bytes | int], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members``: name → content, or name → a count of zero bytes (written in
    chunks, so a large member costs no memory to make)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            with archive.open(name, "w", force_zip64=isinstance(content, int) and content > 2**31) as handle:
                if isinstance(content, bytes):
                    handle.write(content)
                    continue
                remaining = content
                while remaining > 0:
                    chunk = min(remaining, 1024 * 1024)
                    handle.write(bytes(chunk))
                    remaining -= chunk
    return buffer.getvalue()


def understate_sizes(data: bytes, *, size: int = 100) -> bytes:
    """The same archive with every member's sizes, in its local header and in the central
    directory, patched to claim ``size`` bytes: what a crafted zip bomb does."""
    patched = bytearray(data)
    at = 0
    while (at := patched.find(b"PK\x03\x04", at)) >= 0:
        struct.pack_into("<LL", patched, at + 18, size, size)  # compressed, uncompressed
        at += 4
    at = 0
    while (at := patched.find(b"PK\x01\x02", at)) >= 0:
        struct.pack_into("<LL", patched, at + 20, size, size)
        at += 4
    return bytes(patched)
