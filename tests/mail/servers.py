"""Real mail servers on this machine, for the tests and bench/mail.py: an SMTP server in
the process (aiosmtpd) and Debian's dovecot started from a config of our own."""

from __future__ import annotations

import email
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the SMTP server received: (envelope from, recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: str | None = None  # an SMTP reply to give to every DATA, e.g. "451 …"
        self.url = ""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return self.refuse
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [m for _, _, m in self.received]


def dovecot_binary() -> str | None:
    return shutil.which("dovecot", path=f"{os.environ.get('PATH', '')}:/usr/sbin")


# ---- IMAP: a real dovecot of our own -------------------------------------------------------

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {uid}
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    folder: Path
    port: int

    def add_user(self, name: str, password: str = "secret") -> str:  # noqa: S107
        """A new mailbox; returns its IMAP_URL (plain IMAP: loopback only)."""
        users = self.folder / "users"
        with users.open("a") as handle:
            handle.write(f"{name}:{{PLAIN}}{password}\n")
        # dovecot's passwd-file looks for changes at most once per wall-clock second: a login
        # in the same second as an earlier one would not see the new user. Start the next
        # second before anyone logs in as it (the file's size has changed, so it is re-read).
        time.sleep(1.05 - time.time() % 1)
        return f"imap://{name}:{password}@127.0.0.1:{self.port}/INBOX"


def start_dovecot() -> Dovecot:
    """Start dovecot in a new temp folder on a free port (raises RuntimeError if it fails)."""
    account = pwd.getpwnam("mail")
    folder = Path(tempfile.mkdtemp(prefix="ticketing-dovecot-"))
    folder.chmod(0o755)
    for sub in ("run", "state"):
        (folder / sub).mkdir()
    (folder / "mail").mkdir()
    os.chown(folder / "mail", account.pw_uid, account.pw_gid)
    (folder / "users").write_text("")
    port = free_port()
    conf = folder / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(d=folder, uid=account.pw_uid, gid=account.pw_gid, port=port)
    )
    subprocess.run([dovecot_binary(), "-c", str(conf)], check=True, timeout=30)  # noqa: S603
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Dovecot(folder, port)
        except OSError:
            if time.monotonic() > deadline:
                logged = folder / "dovecot.log"
                log = logged.read_text() if logged.exists() else ""
                stop_dovecot(Dovecot(folder, port))
                raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
            time.sleep(0.1)


def stop_dovecot(server: Dovecot) -> None:
    pid_file = server.folder / "run" / "master.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
    shutil.rmtree(server.folder, ignore_errors=True)
