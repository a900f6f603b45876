"""The one error the payment services raise: a code for programs, a message for people."""

from __future__ import annotations

from typing import Any


class PaymentError(Exception):
    """A refused payment or refund, with a code and a message for the person who tried it."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
