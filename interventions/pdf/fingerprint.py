"""The fingerprint of a frozen snapshot, printed on the PDF and stored with it."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder


def canonical_json(snapshot: dict) -> bytes:
    """The snapshot as canonical JSON bytes (sorted keys, compact, UTF-8)."""
    return json.dumps(
        snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def frozen_copy(snapshot: dict) -> dict:
    """The snapshot as it will read back from the database (plain JSON types only), so that
    the fingerprint computed before saving is the one recomputed later."""
    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


def content_fingerprint(snapshot: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a frozen snapshot: printed on the PDF."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()
