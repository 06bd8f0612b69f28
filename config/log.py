"""Logging filters named in `settings.LOGGING`."""

import logging


class OneLineRefusals(logging.Filter):
    """Expected refusals (403, 404, 400, 405…) are logged as one line: Django attaches the
    exception to every "Forbidden"/"Not Found" record, which the console prints as a full
    traceback at WARNING. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
