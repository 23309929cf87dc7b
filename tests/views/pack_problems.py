"""The one assertion the views, macros and surveys pack-problem tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PackError
from engine.packs import load_registry
from tests.pack_loading.packs_on_disk import write_pack


def assert_pack_problem(root: Path, files: dict[str, str], code: str, where: str,
                        words: str) -> None:
    """Loading a pack of ``files`` reports ``code`` at ``where`` (``file:line:col`` ending),
    its message containing ``words``."""
    pack = write_pack(root, files)
    with pytest.raises(PackError) as caught:
        load_registry([pack])
    matching = [p for p in caught.value.problems if p.code == code]
    assert matching, f"no {code} among {[str(p) for p in caught.value.problems]}"
    assert str(matching[0].pos).endswith(where), str(matching[0])
    assert words in matching[0].message, matching[0].message
