"""Videos that tests and benchmarks make themselves (no dataset needed), and large uploads
made of them. No Django here: bench/bench_direct_upload.py uses it too."""

import struct
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

PADDING_PIECE = b"\0" * (1024 * 1024)


def write_synthetic_video(
    path: Path, *, seconds: float = 2.0, fps: int = 15, size=(96, 64)
) -> Path:
    """A small real MP4 (a moving square): decodable, but nobody in it."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened(), "OpenCV cannot write MP4 here"
    for i in range(int(seconds * fps)):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        x = (i * 3) % (size[0] - 16)
        frame[20:36, x : x + 16] = (0, 200, 255)
        writer.write(frame)
    writer.release()
    return path


def padded_video(video: bytes, size: int) -> Iterator[bytes]:
    """`size` bytes that still decode as `video`: the MP4 followed by a top-level `free` box
    (MP4's own padding, which decoders skip) filling the rest. Generated as it is sent, so
    a gigabyte costs no memory or disk on the sending side."""
    padding = size - len(video)
    assert padding >= 16, "the padding box needs 16 bytes"
    yield video
    yield struct.pack(">I4sQ", 1, b"free", padding)  # size 1: a 64-bit size follows
    left = padding - 16
    while left > 0:
        piece = PADDING_PIECE[: min(left, len(PADDING_PIECE))]
        left -= len(piece)
        yield piece


def multipart_file(
    field: str, filename: str, size: int, content: Iterator[bytes]
) -> tuple[str, int, Iterator[bytes]]:
    """(Content-Type, Content-Length, body pieces) of a form with one file of `size` bytes."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def pieces():
        yield head
        yield from content
        yield tail

    return f"multipart/form-data; boundary={boundary}", len(head) + size + len(tail), pieces()
