"""Device and precision choice: CUDA, then Apple MPS, then CPU.

Introduced in lesson 01. A T4 (Colab's free GPU) has no bfloat16, so CUDA falls back to float16
there; CPUs compute in float32, which is both the safe and the fast choice for small models.
"""

from __future__ import annotations

import torch


def pick_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def choose_dtype(device_type: str, bf16_supported: bool = False) -> torch.dtype:
    """The compute dtype for a device type; `bf16_supported` only matters on CUDA."""
    if device_type == "cuda":
        return torch.bfloat16 if bf16_supported else torch.float16
    if device_type == "mps":
        return torch.float16
    return torch.float32


def pick_dtype(device: torch.device | None = None) -> torch.dtype:
    device = device or pick_device()
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    return choose_dtype(device.type, bf16)


def describe_device(device: torch.device | None = None) -> str:
    device = device or pick_device()
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"cuda ({props.name}, {props.total_memory / 2**30:.0f} GiB)"
    return device.type
