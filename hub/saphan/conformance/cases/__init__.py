"""The conformance cases, one module per group, in the order a run takes them.

* :mod:`.messages`: what the hub sends the agency reads, and what the agency sends is
  valid and translates into every other format;
* :mod:`.push`: the agency's push endpoint (receipts, redelivery, refusals);
* :mod:`.pull`: the agency's pull client (inbox, receipts, acknowledging once);
* :mod:`.status`: status changes reported back in the agency's own codes.

Importing this package declares every case in :mod:`saphan.conformance.registry`.
"""

from saphan.conformance.cases import messages, pull, push, status

__all__ = ["messages", "pull", "push", "status"]
