"""The two BlazePose model files, read from the installed mediapipe wheel (never copied or
downloaded), and LiteRT interpreters for them."""

from __future__ import annotations

import importlib.util
import os
import struct
from pathlib import Path

import flatbuffers
from flatbuffers.table import Table

DETECTOR = "modules/pose_detection/pose_detection.tflite"
LANDMARK_FULL = "modules/pose_landmark/pose_landmark_full.tflite"


def mediapipe_dir() -> Path:
    # find_spec locates the wheel without importing mediapipe (slow, and it starts threads).
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mediapipe is not installed: it ships the BlazePose model files")
    return Path(list(spec.submodule_search_locations)[0])


def model_path(relative: str) -> Path:
    p = mediapipe_dir() / relative
    if not p.exists():
        raise RuntimeError(f"BlazePose model file missing from the mediapipe wheel: {p}")
    return p


def default_threads() -> int:
    """Interpreter threads: COACH_POSE_THREADS, else 2 (this engine's target machine has 2
    cores; more threads than cores only adds contention)."""
    return max(1, int(os.environ.get("COACH_POSE_THREADS", "2")))


#: The landmark model's segmentation mask (256x256): the legacy graph computes it even with
#: enable_segmentation=False and throws it away.
SEGMENTATION_OUTPUT = "Identity_2"


def _field(table: Table, index: int) -> int:
    """vtable offset of a flatbuffer table field (0 when absent)."""
    return table.Offset(4 + 2 * index)


def without_output(model: bytes, output_name: str) -> bytes:
    """The .tflite model with one output of its main subgraph replaced by another output.

    Nothing then consumes the dropped tensor, so XNNPACK prunes the operators that only
    feed it. Patched in memory, in place (same vector length): the file is untouched.
    Fields follow the TFLite schema: Model.subgraphs = 2; SubGraph.tensors = 0,
    outputs = 2; Tensor.name = 3.
    """
    buf = bytearray(model)
    root = Table(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))
    subgraphs = root.Vector(_field(root, 2))
    graph = Table(buf, root.Indirect(subgraphs))
    tensors_field, outputs_field = _field(graph, 0), _field(graph, 2)
    tensors = graph.Vector(tensors_field)
    outputs_at = graph.Vector(outputs_field)
    outputs = [
        struct.unpack_from("<i", buf, outputs_at + 4 * i)[0]
        for i in range(graph.VectorLen(outputs_field))
    ]

    def name(tensor_index: int) -> str:
        t = Table(buf, graph.Indirect(tensors + 4 * tensor_index))
        return t.String(t.Pos + _field(t, 3)).decode()

    names = [name(i) for i in outputs]
    if output_name not in names or len(outputs) < 2:
        raise RuntimeError(f"model has no output {output_name!r} to drop (outputs: {names})")
    slot = names.index(output_name)
    keep = outputs[0] if slot != 0 else outputs[1]
    struct.pack_into("<i", buf, outputs_at + 4 * slot, keep)
    return bytes(buf)


def make_interpreter(relative: str, num_threads: int | None = None, drop_output: str = ""):
    """A LiteRT interpreter with tensors allocated, optionally without one output's
    operators. Call inside the using process: a thread pool created before a fork is not
    there in the child."""
    from ai_edge_litert.interpreter import Interpreter  # lazy: not needed until first frame

    content = model_path(relative).read_bytes()
    if drop_output:
        content = without_output(content, drop_output)
    it = Interpreter(model_content=content, num_threads=num_threads or default_threads())
    it.allocate_tensors()
    return it
