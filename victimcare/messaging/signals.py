"""Signals other apps listen to (messaging never imports them).

`inbound_sms_received(sender, sms)`: sent once per new inbound text, after the
transaction that stored it commits (a replayed callback sends nothing).
Feedback answers SMS replies to its invitations this way.
"""

from django.dispatch import Signal

inbound_sms_received = Signal()
