"""The agency directory: every connected agency, its format, delivery, keys and deadlines.

Data, not code: ``mappings/agencies.yaml`` (with families for the 928 district and 77
provincial Damrongtham centers and the 77 AGO-RP offices) plus any overlay files, reloaded
while the hub runs when they change.
"""

from saphan.directory.directory import AgencyLookup, Directory, InMemoryDirectory
from saphan.directory.loader import Document, build, read_document
from saphan.directory.model import Agency, Level, PublicKey, PullDelivery, PushDelivery
from saphan.directory.source import DIRECTORY_FILE, DirectorySource, default_paths

__all__ = [
    "DIRECTORY_FILE",
    "Agency",
    "AgencyLookup",
    "Directory",
    "DirectorySource",
    "Document",
    "InMemoryDirectory",
    "Level",
    "PublicKey",
    "PullDelivery",
    "PushDelivery",
    "build",
    "default_paths",
    "read_document",
]
