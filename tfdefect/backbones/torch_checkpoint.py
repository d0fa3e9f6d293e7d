"""Reading torch checkpoints without torch: ``.safetensors`` through the safetensors
package's NumPy API; pickled files (``.pth``, ``.pt``, ``.bin``, ``.ckpt``) are refused, and
so is a ``torch.save`` file under another name (its zip or pickle magic where a safetensors
header size should be), never unpickled, with the command that converts it.

safetensors stores bfloat16, which NumPy has no type for; those tensors are read from the
file's documented layout (an 8-byte little-endian header size, a JSON header with dtype,
shape and byte offsets, then the data) and widened to float32 explicitly.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np

PICKLED_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".pkl")
TO_SAFETENSORS = (
    'python -c "import sys, torch, safetensors.torch as st; '
    "s = torch.load(sys.argv[1], map_location='cpu', weights_only=True); "
    "s = s.get('state_dict', s) if isinstance(s, dict) else s; "
    'st.save_file({k: v.contiguous() for k, v in s.items()}, sys.argv[2])" {src} {dst}'
)


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not fit the architecture."""


def refuse_pickle(path: str) -> None:
    """Raise for a pickled checkpoint, naming the command that converts it."""
    if str(path).lower().endswith(PICKLED_SUFFIXES):
        target = os.path.splitext(os.path.basename(path))[0] + ".safetensors"
        raise CheckpointError(
            f"{path}: a pickled torch file is never unpickled here (it can run code); turn it "
            "into safetensors where torch is installed: "
            + TO_SAFETENSORS.replace("{src}", str(path)).replace("{dst}", target)
        )


# what a torch.save file starts with: a zip archive (torch >= 1.6) or a pickle (protocol 2+)
ZIP_MAGIC, PICKLE_MAGIC = b"PK\x03\x04", b"\x80"


def refuse_renamed_pickle(path: str) -> None:
    """Raise for a ``torch.save`` file named like safetensors: it starts with a zip or pickle
    magic and its first 8 bytes, read as a safetensors header size, exceed the file. Only
    those bytes are read; nothing is unpickled."""
    with open(path, "rb") as handle:
        start = handle.read(8)
    size = os.path.getsize(path)
    pickled = start.startswith(PICKLE_MAGIC) and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")
    if not (start.startswith(ZIP_MAGIC) or pickled) or len(start) < 8:
        return
    (header,) = struct.unpack("<Q", start)
    if header <= size - 8:
        return  # a plausible safetensors header size: let the reader judge it
    kind = "zip archive" if start.startswith(ZIP_MAGIC) else "pickle"
    target = os.path.splitext(os.path.basename(path))[0] + ".converted.safetensors"
    raise CheckpointError(
        f"{path}: a torch.save {kind}, not a safetensors file (despite its name); it is never "
        "unpickled here (it can run code): in an environment with torch, run "
        "safetensors.torch.save_file(torch.load(path), out), e.g. "
        + TO_SAFETENSORS.replace("{src}", str(path)).replace("{dst}", target)
    )


def _bfloat16(path: str) -> dict[str, np.ndarray]:
    with open(path, "rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
        start = 8 + size
        tensors = {}
        for name, entry in header.items():
            if name == "__metadata__" or entry.get("dtype") != "BF16":
                continue
            begin, end = entry["data_offsets"]
            handle.seek(start + begin)
            raw = np.frombuffer(handle.read(end - begin), dtype="<u2")
            widened = (raw.astype(np.uint32) << 16).view(np.float32)
            tensors[name] = widened.reshape(entry["shape"])
    return tensors


def read_checkpoint(path: str) -> dict[str, np.ndarray]:
    """{name: array} of a ``.safetensors`` file (bfloat16 widened to float32).

    Raises:
        CheckpointError: a pickled file (by its suffix, or by its first bytes under a
            .safetensors name), a missing file or an unreadable one.
    """
    refuse_pickle(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: no such checkpoint file")
    refuse_renamed_pickle(path)
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as error:
        if "bf16" in str(error).lower() or "bfloat16" in str(error).lower():
            return _read_with_bfloat16(path)
        raise CheckpointError(f"{path}: not a readable safetensors file ({error})") from None
    except TypeError:  # NumPy has no bfloat16 dtype
        return _read_with_bfloat16(path)
    # bfloat16 arrives as ml_dtypes' bfloat16 where that is installed: widen it explicitly
    return {
        name: value.astype(np.float32) if value.dtype.name == "bfloat16" else value
        for name, value in tensors.items()
    }


def _read_with_bfloat16(path: str) -> dict[str, np.ndarray]:
    from safetensors import safe_open

    widened = _bfloat16(path)
    tensors = {}
    with safe_open(path, framework="numpy") as handle:
        for name in handle.keys():
            tensors[name] = widened[name] if name in widened else handle.get_tensor(name)
    return tensors


def write_checkpoint(path: str, tensors: dict[str, np.ndarray]) -> None:
    """Save {name: array} as safetensors (tests and fixtures)."""
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, path)
