"""Independent DKIM check (dkimpy, Debian's python3-dkim) of every signature in a message.

Usage: dkim_verify.py MESSAGE --dns PORT   (keys looked up on the test DNS server 127.0.0.1:PORT)
       dkim_verify.py MESSAGE --txt VALUE  (every selector answers VALUE)
Exits 0 when every DKIM-Signature verifies, 1 otherwise (2 when there is none).
"""
import sys

import dkim
import dns.message
import dns.query

message = open(sys.argv[1], "rb").read()
mode, arg = sys.argv[2], sys.argv[3]


def from_dns(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    query = dns.message.make_query(name, "TXT", use_edns=0, payload=4096)
    answer = dns.query.udp(query, "127.0.0.1", port=int(arg), timeout=timeout)
    for rrset in answer.answer:
        for rdata in rrset:
            return b"".join(rdata.strings)
    return None


def handed_over(name, timeout=5):
    return arg.encode()


dnsfunc = from_dns if mode == "--dns" else handed_over
count = message.count(b"\nDKIM-Signature:") + int(message.startswith(b"DKIM-Signature:"))
if count == 0:
    print("no DKIM-Signature")
    sys.exit(2)
verdicts = []
for i in range(count):
    try:
        ok = dkim.DKIM(message).verify(idx=i, dnsfunc=dnsfunc)
        verdicts.append("pass" if ok else "fail")
    except dkim.DKIMException as e:
        verdicts.append("fail (%s)" % e)
print(" ".join(verdicts))
sys.exit(0 if all(v == "pass" for v in verdicts) else 1)
