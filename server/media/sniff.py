"""What a file really is, from its first bytes (magic numbers), so a "photo" that is not one is refused."""

from __future__ import annotations

# Enough bytes for every signature below (ISO-BMFF's brand and RIFF's form type end at byte 12).
SNIFF_BYTES = 12

# ISO-BMFF major brands that are still images (HEIF/HEIC, AVIF); every other brand is treated as audio/video.
IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def sniff(head: bytes) -> str | None:
    """A short name for the container in `head` ('jpeg', 'png', 'webp', 'heif', 'isobmff', 'matroska', ...), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in IMAGE_BRANDS:
            return "heif"
        return "3gp" if brand.startswith(b"3g") else "isobmff"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"  # WebM is Matroska
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"ID3"):
        return "mp3"
    if head.startswith(b"fLaC"):
        return "flac"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG audio frame sync: MP3 (layer bits set) or AAC ADTS (layer bits zero).
        return "aac" if head[1] & 0x06 == 0 else "mp3"
    return None


# Which containers each declared kind may be. Audio may come in MP4/3GP/WebM containers (phones record
# m4a, 3gp and webm audio), so those appear under both audio and video.
ALLOWED = {
    "photo": {"jpeg", "png", "webp", "heif"},
    "video": {"isobmff", "3gp", "matroska"},
    "audio": {"mp3", "aac", "ogg", "matroska", "isobmff", "3gp", "wav", "amr", "flac"},
}


def matches_kind(kind: str, head: bytes) -> bool:
    """True when the bytes start like something a `kind` item may be."""
    return sniff(head) in ALLOWED.get(kind, set())
