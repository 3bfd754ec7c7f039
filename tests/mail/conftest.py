"""Mail fixtures: a real SMTP server in the test process (aiosmtpd) and a real IMAP server
(Debian's dovecot, started from a config of our own in a temp folder on a free port)."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import IN_CI

from .servers import Inbox, dovecot_binary, free_port, start_dovecot, stop_dovecot


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def dovecot():
    """Debian's dovecot-imapd with a config of our own in a temp folder, on a free port.
    `.ci/run` installs it; under CI=true a missing dovecot fails the run."""
    if dovecot_binary() is None:
        message = "dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        server = start_dovecot()
    except RuntimeError as err:
        pytest.fail(str(err))
    try:
        yield server
    finally:
        stop_dovecot(server)
