#!/usr/bin/env python3
"""SMTP client scenarios against Steward's BCC listener (server/tests/integration/bcc_email.rs).

usage: smtp_client.py MODE HOST PORT FROM TO[,TO...] MESSAGE_FILE
Prints one JSON object on stdout describing what the server answered.

Modes:
  send      smtplib.sendmail (EHLO, SIZE when advertised, dot-stuffing by smtplib)
  pipeline  raw socket: EHLO, then MAIL, every RCPT, DATA in ONE write; then the message
  smuggle   raw socket: the message file is sent as-is after DATA (no stuffing, no
            line-ending changes), then CRLF.CRLF, then QUIT
  nosize    raw socket: MAIL without SIZE=, the whole message, to see the answer at the end
"""
import json
import smtplib
import socket
import sys


def read_reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            break
        lines.append(line.decode("latin-1").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    return lines


def main():
    mode, host, port, sender, to, path = sys.argv[1:7]
    recipients = [r for r in to.split(",") if r]
    message = open(path, "rb").read()
    port = int(port)
    if mode == "send":
        out = {}
        try:
            with smtplib.SMTP(host, port, timeout=30) as smtp:
                code, ehlo = smtp.ehlo("client.test")
                out["ehlo"] = ehlo.decode()
                refused = smtp.sendmail(sender, recipients, message)
                out["refused"] = {k: [v[0], v[1].decode()] for k, v in refused.items()}
                out["ok"] = True
        except smtplib.SMTPRecipientsRefused as e:
            out["ok"] = False
            out["refused"] = {k: [v[0], v[1].decode()] for k, v in e.recipients.items()}
        except smtplib.SMTPSenderRefused as e:
            out["ok"] = False
            out["sender_refused"] = [e.smtp_code, e.smtp_error.decode()]
        except smtplib.SMTPDataError as e:
            out["ok"] = False
            out["data_error"] = [e.smtp_code, e.smtp_error.decode()]
        print(json.dumps(out))
        return
    s = socket.create_connection((host, port), timeout=30)
    f = s.makefile("rb")
    out = {"greeting": read_reply(f)}
    s.sendall(b"EHLO client.test\r\n")
    out["ehlo"] = read_reply(f)
    if mode == "pipeline":
        batch = b"MAIL FROM:<%s>\r\n" % sender.encode()
        for r in recipients:
            batch += b"RCPT TO:<%s>\r\n" % r.encode()
        batch += b"DATA\r\n"
        s.sendall(batch)  # one write: every command before any answer
        out["replies"] = [read_reply(f) for _ in range(2 + len(recipients))]
        body = message.replace(b"\r\n.", b"\r\n..")
        s.sendall(body + b"\r\n.\r\nQUIT\r\n")
    else:
        s.sendall(b"MAIL FROM:<%s>\r\n" % sender.encode())
        replies = [read_reply(f)]
        for r in recipients:
            s.sendall(b"RCPT TO:<%s>\r\n" % r.encode())
            replies.append(read_reply(f))
        s.sendall(b"DATA\r\n")
        replies.append(read_reply(f))
        out["replies"] = replies
        s.sendall(message + b"\r\n.\r\nQUIT\r\n")
    out["end_of_data"] = read_reply(f)
    out["after"] = [read_reply(f) for _ in range(3)]
    s.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
