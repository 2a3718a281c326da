"""The read-back check of a rewritten file (`rewrite/digest.py`): it passes a file that
holds exactly the runs written, and otherwise says how much it read back."""

from __future__ import annotations

import io
import zlib

import pytest

from dxltools.errors import VerifyError
from dxltools.rewrite import digest
from dxltools.rewrite.digest import DigestingWriter, Written, check_written

RUNS = (b"<database>", b"<document/>", b"</database>\n")  # 10, 11 and 12 bytes


def written(*runs: bytes) -> list[Written]:
    return [Written(len(run), zlib.crc32(run)) for run in runs]


def message(stream: io.BytesIO) -> str:
    with pytest.raises(VerifyError) as refused:
        check_written(stream, written(*RUNS), "out.dxl")
    return str(refused.value)


def test_a_file_that_holds_the_runs_written_passes() -> None:
    stream = io.BytesIO()
    writer = DigestingWriter(stream)
    for run in RUNS:
        writer.write(run)
    assert writer.written == Written(33, zlib.crc32(b"".join(RUNS)))
    check_written(stream, written(*RUNS), "out.dxl")


@pytest.mark.parametrize(
    ("held", "read_back"),
    [
        (b"".join(RUNS) + b"x", 34),  # one byte more: the 33 written, then one
        (b"".join(RUNS)[:27], 27),  # cut short: all that is there
        (RUNS[0] + b"<document />" + RUNS[2], 21),  # through the 11 bytes of the run that differs
    ],
)
def test_a_file_that_does_not_says_how_much_it_read_back(held: bytes, read_back: int) -> None:
    assert f"({read_back} bytes read back, 33 written); nothing replaced" in message(
        io.BytesIO(held)
    )


def test_runs_longer_than_a_read_are_read_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "_READ_BACK_BLOCK", 4)
    check_written(io.BytesIO(b"".join(RUNS)), written(*RUNS), "out.dxl")
    assert "(33 bytes read back" in message(io.BytesIO(b"".join(RUNS)[:32] + b"?"))
