"""Real mail servers for tests: an SMTP server (aiosmtpd) that keeps what it receives, and a
Dovecot IMAP/IMAPS server started from a generated configuration in a temporary folder on free
ports. Dovecot comes from Debian (``apt-get install dovecot-imapd``, as ``.ci/run`` does); tests
that need it are skipped, saying why, where it is absent."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_SKIP = ("Dovecot is not installed (apt-get install -y dovecot-imapd; .ci/run installs "
                "it): the IMAP tests need a real server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    """An aiosmtpd server on 127.0.0.1; ``received`` holds (envelope recipients, bytes);
    ``deliver`` (when set) is called with each message too."""

    port: int
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    deliver: Callable[[list[str], bytes], None] | None = None


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    server = SmtpServer(free_port())

    class Handler:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            data = envelope.original_content or envelope.content
            raw = data if isinstance(data, bytes) else data.encode()
            rcpts = [str(r) for r in envelope.rcpt_tos]
            server.received.append((rcpts, raw))
            if server.deliver is not None:
                server.deliver(rcpts, raw)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@dataclass
class Dovecot:
    """A running Dovecot: plain IMAP on ``port``, IMAPS on ``ssl_port`` (a self-signed
    certificate, trusted by ``ssl_context``). Users and passwords: ``users``."""

    port: int
    ssl_port: int
    ssl_context: ssl.SSLContext
    users: dict[str, str]
    root: Path

    def imap(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(user, self.users[user])
        return client

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a mailbox, as the MTA's delivery agent would."""
        client = self.imap(user)
        try:
            client.append(folder, None, None, raw)
        finally:
            client.logout()

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        client = self.imap(user)
        try:
            status, _ = client.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return []
            _, found = client.uid("SEARCH", "ALL")
            out = []
            for uid in (found[0] or b"").split():
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                out.extend(bytes(p[1]) for p in parts if isinstance(p, tuple))
            return out
        finally:
            client.logout()


def _owner() -> tuple[str, str, bool]:
    """Who Dovecot's processes and mail belong to: its own users when run as root."""
    if os.geteuid() == 0:
        return "dovecot", "dovecot", True
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, False


@contextmanager
def dovecot_server(users: dict[str, str]) -> Iterator[Dovecot]:
    """Dovecot in a folder of its own under the system's temporary folder (which its mail
    processes, run as another user when the tests run as root, can reach)."""
    if not Path(DOVECOT).exists():
        pytest.skip(DOVECOT_SKIP)
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the IMAPS test server needs a certificate")
    root = Path(tempfile.mkdtemp(prefix="flowdesk-dovecot-"))
    try:
        with _dovecot_in(root, users) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _dovecot_in(root: Path, users: dict[str, str]) -> Iterator[Dovecot]:
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
                   check=True, capture_output=True)
    (root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
    user, group, as_root = _owner()
    port, ssl_port = free_port(), free_port()
    chroot = "" if as_root else "  chroot =\n"
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {"dovenull" if as_root else user}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service anvil {{
{chroot}}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
""")
    if as_root:
        shutil.chown(root / "mail", user, group)
        shutil.chown(root / "home", user, group)
        root.chmod(0o755)
    subprocess.run([DOVECOT, "-c", str(root / "dovecot.conf")], check=True)
    context = ssl.create_default_context(cafile=str(root / "cert.pem"))
    server = Dovecot(port, ssl_port, context, users, root)
    try:
        _wait_for(port, root)
        yield server
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 15)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)


def _wait_for(port: int, root: Path) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
    raise RuntimeError(f"dovecot did not start on port {port}:\n{log}")
