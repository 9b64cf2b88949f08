"""Uploaded images, re-encoded from their pixels only: no EXIF (place, date, camera), no comments."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 25_000_000
MAX_SIDE = 2000


def without_metadata(upload) -> ContentFile:
    """A copy of the uploaded image holding its pixels only, at most MAX_SIDE wide or high."""
    try:
        with Image.open(upload) as original:
            if original.format not in FORMATS:
                raise ValidationError(gettext("Formats acceptés : JPEG, PNG ou WebP."))
            if original.width * original.height > MAX_PIXELS:
                raise ValidationError(gettext("Image trop grande (25 millions de pixels au plus)."))
            kind = original.format
            upright = ImageOps.exif_transpose(original)  # keep the orientation the EXIF gave, then drop it
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            pixels = Image.new(upright.mode, upright.size)
            pixels.paste(upright)
    except (UnidentifiedImageError, OSError):
        raise ValidationError(gettext("Ce fichier n’est pas une image lisible.")) from None
    if kind == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    out = BytesIO()
    pixels.save(out, format=kind)
    return ContentFile(out.getvalue(), name=f"image.{FORMATS[kind]}")
