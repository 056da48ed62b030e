"""The archive of images and job records: the protocol and its layout, and one module per backend."""

from services.storage.archive.base import (
    USER_FIELDS,
    Archive,
    ImageLink,
    image_name,
    job_prefix,
    record_lock,
    save_keeping_user_fields,
)
from services.storage.archive.local import LocalArchive
from services.storage.archive.s3 import LINK_SECONDS, S3Archive
from services.storage.archive.spool import SpoolingArchive

__all__ = [
    "LINK_SECONDS",
    "USER_FIELDS",
    "Archive",
    "ImageLink",
    "LocalArchive",
    "S3Archive",
    "SpoolingArchive",
    "image_name",
    "job_prefix",
    "record_lock",
    "save_keeping_user_fields",
]
