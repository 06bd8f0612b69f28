"""A mail backend for the tests: Django's locmem outbox, whose server refuses chosen addresses
a number of times with a real SMTP error (as a mail server that is down for one domain)."""

import smtplib
import threading

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

_lock = threading.Lock()
# address -> how many more times it is refused
refusals: dict[str, int] = {}


def refuse(address: str, times: int) -> None:
    with _lock:
        refusals[address] = times


def reset() -> None:
    with _lock:
        refusals.clear()


class FlakyBackend(LocmemBackend):
    def send_messages(self, messages):
        for message in messages:
            for address in message.recipients():
                with _lock:
                    left = refusals.get(address, 0)
                    if left:
                        refusals[address] = left - 1
                if left:
                    raise smtplib.SMTPServerDisconnected(
                        f"Connection unexpectedly closed while sending to {address}"
                    )
        return super().send_messages(messages)
