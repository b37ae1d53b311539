"""Pictures of items (Товар/Картинка) taken from the files of an exchange.

1C names a picture by its path in the exchange (`import_files/bd/<id>.jpg`): inside
a zip it sits at that path, sent without a zip it arrives as a file of its own and is
kept flat. A picture is looked up only in the directory of the session that brought
the catalogue — never anywhere else on disk — and must be a real image (Pillow reads
its header) of an allowed type and size.

Pictures are stored under their content hash (`products/ab/<sha256>.jpg`), so the
same picture sent again is the same file: a re-import changes nothing and a picture
shared by the sizes of one item is stored once. A replaced picture stays on disk
(another item may show it).
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Extension → the formats Pillow must find behind it.
IMAGE_TYPES = {
    ".jpg": {"JPEG", "MPO"},
    ".jpeg": {"JPEG", "MPO"},
    ".png": {"PNG"},
    ".gif": {"GIF"},
    ".webp": {"WEBP"},
}
UPLOAD_TO = "products"


class PictureError(Exception):
    """A picture that cannot be taken; the message says why, for the report."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_image_name(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in IMAGE_TYPES


def relative_parts(name: str) -> tuple[str, ...] | None:
    """The parts of a path inside an exchange, or None for a path that leaves it
    (absolute, a drive, `..`)."""
    clean = name.replace("\\", "/").strip()
    if not clean or clean.startswith("/") or ":" in clean:
        return None
    parts = tuple(p for p in clean.split("/") if p not in ("", "."))
    if not parts or any(p == ".." for p in parts):
        return None
    return parts


def picture_find(folder: Path, name: str) -> Path | None:
    """The file of a picture path in the session `folder`: at its path (unpacked
    from a zip), else by its own name (sent flat); None when absent or outside."""
    parts = relative_parts(name)
    if parts is None:
        return None
    root = folder.resolve()
    for candidate in (root.joinpath(*parts), root / parts[-1]):
        if candidate.is_symlink() or not candidate.is_file():
            continue
        if candidate.resolve().is_relative_to(root):
            return candidate
    return None


def picture_store(path: Path) -> str:
    """Check the picture at `path` and store it; returns its storage name.

    Raises PictureError for a file of another type, a file that is not an image
    of its type and one over `CRM_PRODUCT_IMAGE_MAX_SIZE`.
    """
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise PictureError(
            _("Only pictures in JPEG, PNG, GIF or WebP are taken: %(name)s.")
            % {"name": path.name}
        )
    limit = settings.CRM_PRODUCT_IMAGE_MAX_SIZE
    if path.stat().st_size > limit:
        raise PictureError(
            _("The picture %(name)s is larger than %(size)d MB.")
            % {"name": path.name, "size": limit // (1024 * 1024)}
        )
    content = path.read_bytes()
    try:
        with Image.open(BytesIO(content)) as image:
            kind = image.format
            image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        kind = None
    if kind not in IMAGE_TYPES[suffix]:
        raise PictureError(
            _("The file %(name)s is not a picture of its type.") % {"name": path.name}
        )
    digest = hashlib.sha256(content).hexdigest()
    name = f"{UPLOAD_TO}/{digest[:2]}/{digest}{'.jpg' if suffix == '.jpeg' else suffix}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name
