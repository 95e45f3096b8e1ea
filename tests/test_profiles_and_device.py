"""Profile detection, per-lesson sizes and precision choice."""

import dataclasses

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
def test_every_lesson_has_sizes_of_one_dataclass_for_every_profile(lesson):
    sizes = LESSON_SIZES[lesson]
    assert set(sizes) == set(PROFILES)
    assert len({type(s) for s in sizes.values()}) == 1 and dataclasses.is_dataclass(sizes["ci"])


@pytest.mark.parametrize("lesson", sorted(LESSON_SIZES))
def test_lesson_sizes_without_a_profile_follow_course_profile(lesson, monkeypatch):
    assert LESSON_SIZES[lesson]["ci"] != LESSON_SIZES[lesson]["cpu"]  # else this test could not tell them apart
    for profile in ("ci", "cpu"):
        monkeypatch.setenv("COURSE_PROFILE", profile)
        assert lesson_sizes(lesson) is LESSON_SIZES[lesson][profile]


def _fields(sizes, kind):
    return {f.name: getattr(sizes, f.name) for f in dataclasses.fields(sizes) if type(getattr(sizes, f.name)) is kind}


# How many prompts are generated together: the same work in fewer, wider batches (ci may use one batch).
GENERATION_BATCHES = {("01_pretrained_behavior", "batch_size"), ("02_sft_qlora", "eval_batch_size")}


@pytest.mark.parametrize("lesson", sorted(LESSON_SIZES))
def test_ci_runs_no_more_steps_or_examples_than_cpu(lesson):
    ci, cpu = (_fields(LESSON_SIZES[lesson][p], int) for p in ("ci", "cpu"))
    larger = {name: value for name, value in ci.items() if value > cpu[name] and (lesson, name) not in GENERATION_BATCHES}
    assert ci and larger == {}


@pytest.mark.parametrize("lesson", sorted(LESSON_SIZES))
def test_ci_takes_the_same_code_path_as_cpu(lesson):
    # COURSE_DESIGN: ci is cpu with fewer steps and examples, so no switch (e.g. load_in_4bit) may differ
    assert _fields(LESSON_SIZES[lesson]["ci"], bool) == _fields(LESSON_SIZES[lesson]["cpu"], bool)


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


@pytest.mark.parametrize(
    "cuda, mps, expected",
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],  # CUDA first, then Apple MPS, then CPU
)
def test_device_preference_is_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert pick_device().type == expected
