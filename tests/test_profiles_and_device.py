"""Profile detection, per-lesson sizes and precision choice."""

import pytest
import torch

from utils.device import choose_dtype, pick_device
from utils.profiles import LESSON_SIZES, PROFILES, ProfileError, detect_profile, lesson_sizes


def test_course_profile_variable_overrides_detection():
    assert detect_profile({"COURSE_PROFILE": "cpu"}, cuda_available=True) == ("cpu", "set by COURSE_PROFILE")


def test_unknown_profile_is_rejected_with_the_valid_choices():
    with pytest.raises(ProfileError, match="not one of ci, cpu, gpu"):
        detect_profile({"COURSE_PROFILE": "gpx"}, cuda_available=False)


def test_gpu_profile_without_a_gpu_says_what_to_do():
    with pytest.raises(ProfileError, match="Unset COURSE_PROFILE"):
        detect_profile({"COURSE_PROFILE": "gpu"}, cuda_available=False)


def test_ci_environment_selects_ci_profile():
    assert detect_profile({"CI": "true"}, cuda_available=True)[0] == "ci"


@pytest.mark.parametrize("cuda, expected", [(True, "gpu"), (False, "cpu")])
def test_detection_follows_cuda_availability(cuda, expected):
    assert detect_profile({}, cuda_available=cuda)[0] == expected


@pytest.mark.parametrize("lesson", sorted(LESSON_SIZES))
def test_every_lesson_has_sizes_for_every_profile(lesson):
    assert set(LESSON_SIZES[lesson]) == set(PROFILES)
    assert lesson_sizes(lesson, "ci") == LESSON_SIZES[lesson]["ci"]


def test_unknown_lesson_sizes_name_the_known_lessons():
    with pytest.raises(KeyError, match="01_pretrained_behavior"):
        lesson_sizes("99_nothing", "cpu")


@pytest.mark.parametrize(
    "device_type, bf16, expected",
    [
        ("cuda", True, torch.bfloat16),  # A100, H100, RTX 30xx+
        ("cuda", False, torch.float16),  # T4: no bfloat16
        ("mps", False, torch.float16),
        ("cpu", False, torch.float32),
        ("cpu", True, torch.float32),  # bf16 support only matters on CUDA
    ],
)
def test_precision_choice(device_type, bf16, expected):
    assert choose_dtype(device_type, bf16) == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_device_falls_back_to_cpu_without_cuda():
    assert pick_device().type in ("cpu", "mps")
