"""A test SMTP server that keeps each message exactly as received.

Usage: raw_smtp_sink.py PORT DIR. For every message it writes DIR/<n>.eml (the DATA bytes,
unchanged: DKIM signatures must survive) and DIR/<n>.from (the envelope sender). aiosmtpd's
Mailbox handler re-serialises messages, which can change what was signed, hence this one.
"""
import asyncio
import itertools
import os
import sys

from aiosmtpd.controller import Controller

PORT = int(sys.argv[1])
DIR = sys.argv[2]
os.makedirs(DIR, exist_ok=True)
COUNTER = itertools.count(1)


class Keep:
    async def handle_DATA(self, server, session, envelope):
        n = next(COUNTER)
        base = os.path.join(DIR, str(n))
        with open(base + ".from.tmp", "w") as f:
            f.write(envelope.mail_from or "")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".from.tmp", base + ".from")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


controller = Controller(Keep(), hostname="127.0.0.1", port=PORT)
controller.start()
try:
    asyncio.get_event_loop().run_forever()
finally:
    controller.stop()
