#!/usr/bin/python3
"""A tiny mailer for the auth extension's outbox (docs/mailer.md), as scripts/demo runs it.

It connects as a member of auth_mailer, LISTENs on auth_outbox, claims the account emails
waiting (auth_outbox_claim) and "sends" each by writing it, as an RFC 5322 message, into a
directory, then commits: send first, commit after, so a crash sends a mail twice rather
than never. A real mailer hands the message to an SMTP server instead (see docs/mailer.md).

    examples/mailer.py MAIL_DIR [--conninfo 'dbname=demo user=mailer'] [--once] [--timeout 30]

--once: exit after the first batch that held mail (the demo's use); --timeout: give up
(exit 1) after so many seconds without mail. Connection settings also come from libpq's
PG* environment variables. Needs psycopg 3 (Debian: python3-psycopg).
"""
import argparse
import os
import select
import sys
import time
from email.message import EmailMessage

import psycopg

CLAIM = "SELECT id, kind, email, full_name, product, token, expires_at FROM auth_outbox_claim(%s)"
SUBJECTS = {"password_reset": "Reset your password", "email_verification": "Confirm your email address",
            "invitation": "You are invited", "email_change": "Confirm your new email address",
            "email_change_notice": "Your email address is being changed", "password_changed": "Your password was changed",
            "mfa_enrolled": "A second factor was added", "mfa_removed": "A second factor was removed",
            "account_locked": "Your account was locked"}
PAGES = {"password_reset": "reset-password", "email_verification": "verify-email", "invitation": "accept-invitation",
         "email_change": "confirm-email"}


def log(line):
    print(f"mailer: {line}", flush=True)


def write_mail(mail_dir, id, kind, email, full_name, product, token, expires_at):
    """Writes one message into mail_dir; returns its path. The token goes in the link's
    fragment (#…), which browsers send neither to the server nor in a Referer."""
    host = f"{product.lower()}.example.com" if product else "login.example.com"
    msg = EmailMessage()
    msg["From"] = "accounts@example.com"
    msg["To"] = f"{full_name} <{email}>" if full_name else email
    msg["Subject"] = SUBJECTS.get(kind, kind) + (f" for {product}" if product else "")
    if token is None:                     # a security notice (docs/account-mails.md): no link
        msg.set_content(f"Hello {full_name or ''},\n\n{SUBJECTS.get(kind, kind)}.\n"
                        "If it was not you, reset your password now.\n", cte="8bit")
    else:
        msg.set_content(
            f"Hello {full_name or ''},\n\n"
            f"Open this link to go on (it works once, until {expires_at:%Y-%m-%d %H:%M %Z}):\n\n"
            f"    https://{host}/{PAGES.get(kind, kind)}#{token}\n\n"
            "If you did not ask for this, ignore this mail.\n",
            cte="8bit")                   # no quoted-printable: the link stays on one line
    path = os.path.join(mail_dir, f"{id:06d}-{kind}.eml")
    with open(path + ".tmp", "w") as f:
        f.write(msg.as_string())
    os.replace(path + ".tmp", path)
    return path


def drain(conn, mail_dir, batch_size):
    """Claims and writes mail, one batch per transaction, until none is left; how many."""
    sent = 0
    while True:
        with conn.transaction():          # commits after the batch is written; an exception rolls it back
            log(CLAIM % batch_size)
            batch = conn.execute(CLAIM, (batch_size,)).fetchall()
            log(f"  {len(batch)} message(s)")
            for message in batch:
                log(f"  wrote {write_mail(mail_dir, *message)} to {message[2]}")
            if batch:
                log("COMMIT")
        if not batch:
            return sent
        sent += len(batch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mail_dir")
    parser.add_argument("--conninfo", default="user=mailer")
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args()

    notices = []
    deadline = time.monotonic() + args.timeout if args.timeout else None
    with psycopg.connect(args.conninfo, autocommit=True) as conn:
        conn.add_notify_handler(notices.append)
        log("LISTEN auth_outbox")
        conn.execute("LISTEN auth_outbox")
        while True:
            # Drain at start and after each wake-up: a notification is a hint, not a queue.
            if drain(conn, args.mail_dir, args.batch_size) and args.once:
                return 0
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                log("no mail before the timeout")
                return 1
            log("waiting for NOTIFY auth_outbox")
            select.select([conn], [], [], 60 if left is None else min(left, 60))
            conn.execute("SELECT 1")      # reads any notification off the connection
            for n in notices:
                log(f"woken by NOTIFY {n.channel}, payload '{n.payload}'")
            notices.clear()


if __name__ == "__main__":
    sys.exit(main())
