"""Pictures of products: the one check of an image file, for the product form and
the 1C exchange alike, and where a checked picture is stored.

A picture must be a real image of the type its name says — JPEG, PNG, GIF or WebP,
Pillow reads its header and verifies it — and no larger than
`CRM_PRODUCT_IMAGE_MAX_SIZE` (the `CRM_PRODUCT_IMAGE_MAX_MB` setting). SVG is not
taken: it may carry scripts, and the card shows the picture from our own address.

Pictures are stored under their content hash (`products/ab/<sha256>.jpg`), so the
same picture sent again is the same file: a re-import changes nothing and a picture
shared by several products is stored once. A replaced or removed picture stays on
disk, since another product may show it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

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
# What the file picker of the product form offers.
ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


class ImageError(Exception):
    """A picture that cannot be taken; the message says why, naming the file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedImage:
    """The content of a picture that passed `image_check`, not stored yet."""

    content: bytes
    suffix: str


def is_image_name(name: str) -> bool:
    return _suffix(name) in IMAGE_TYPES


def _suffix(name: str) -> str:
    return PurePosixPath((name or "").replace("\\", "/").lower()).suffix


def _display_name(name: str) -> str:
    return PurePosixPath((name or "").replace("\\", "/")).name or name


def image_precheck(*, name: str, size: int) -> None:
    """Refuse a file by its name and size alone, before reading it.

    Raises ImageError for a name of another type and a file over the size limit.
    """
    shown = _display_name(name)
    if _suffix(name) not in IMAGE_TYPES:
        raise ImageError(
            _("Only pictures in JPEG, PNG, GIF or WebP are taken: %(name)s.")
            % {"name": shown}
        )
    limit = settings.CRM_PRODUCT_IMAGE_MAX_SIZE
    if size > limit:
        raise ImageError(
            _("The picture %(name)s is larger than %(size)d MB.")
            % {"name": shown, "size": limit // (1024 * 1024)}
        )


def image_check(content: bytes, *, name: str) -> CheckedImage:
    """Check that `content` is a picture of the type `name` says.

    The header is verified without decoding the pixels, so a picture that claims
    enormous dimensions costs nothing here. Raises ImageError.
    """
    image_precheck(name=name, size=len(content))
    suffix = _suffix(name)
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
        raise ImageError(
            _("The file %(name)s is not a picture of its type.")
            % {"name": _display_name(name)}
        )
    return CheckedImage(content=content, suffix=".jpg" if suffix == ".jpeg" else suffix)


def image_store(image: CheckedImage) -> str:
    """Store a checked picture (once per content); returns its storage name."""
    digest = hashlib.sha256(image.content).hexdigest()
    name = f"{UPLOAD_TO}/{digest[:2]}/{digest}{image.suffix}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(image.content))
    return name
