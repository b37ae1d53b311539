"""Pictures of items (Товар/Картинка) taken from the files of an exchange.

1C names a picture by its path in the exchange (`import_files/bd/<id>.jpg`): inside
a zip it sits at that path, sent without a zip it arrives as a file of its own and is
kept flat. A picture is looked up only in the directory of the session that brought
the catalogue — never anywhere else on disk — and must pass the catalogue's own
check of a picture (`sales.services.catalogue_images`), the one the product form
uses: a real image of an allowed type and size.

Pictures are stored under their content hash (`products/ab/<sha256>.jpg`), so the
same picture sent again is the same file: a re-import changes nothing and a picture
shared by the sizes of one item is stored once. A replaced picture stays on disk
(another item may show it).
"""

from __future__ import annotations

from pathlib import Path

from crm.sales.services.catalogue_images import (
    ImageError,
    image_check,
    image_precheck,
    image_store,
    is_image_name,
)

# The check lives with the catalogue, which the product form shares; the
# exchange's name for its refusal stays.
PictureError = ImageError

__all__ = [
    "PictureError",
    "is_image_name",
    "picture_find",
    "picture_store",
    "relative_parts",
]


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
    of its type and one over `CRM_PRODUCT_IMAGE_MAX_SIZE` (see
    `sales.services.catalogue_images`).
    """
    image_precheck(name=path.name, size=path.stat().st_size)
    return image_store(image_check(path.read_bytes(), name=path.name))
