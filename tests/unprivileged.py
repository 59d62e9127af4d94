"""Run a child without root's power to ignore file permissions (CAP_DAC_OVERRIDE), so chmod
applies as it would for any user; the tests run as root in CI."""

from __future__ import annotations

import os
import shutil

SETPRIV = shutil.which("setpriv")


def can_drop() -> bool:
    return os.geteuid() != 0 or SETPRIV is not None


def obeying_permissions(cmd: list[str]) -> list[str]:
    """cmd, run so that file permission bits bind it even when we are root."""
    if os.geteuid() != 0:
        return cmd
    return [SETPRIV, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", *cmd]
