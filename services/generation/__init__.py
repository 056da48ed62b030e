"""Generation: from a request's text to a checked image, and the models, sizes and presets it uses."""

from services.generation.catalogue import ModelCatalogue
from services.generation.image_models import Capabilities, ImageModel, UnsupportedModel
from services.generation.options import ParsedRequest, describe_sizes, parse_request, resolve_size
from services.generation.pipeline import JobOutcome, Pipeline, PipelineConfig
from services.generation.ports import CheckpointFn, Progress, ProgressFn
from services.generation.presets import PRESETS, STYLES, Preset, fit_to_preset, get_preset, get_style
from services.generation.sizes import generation_size

__all__ = [
    "PRESETS",
    "STYLES",
    "Capabilities",
    "CheckpointFn",
    "ImageModel",
    "JobOutcome",
    "ModelCatalogue",
    "ParsedRequest",
    "Pipeline",
    "PipelineConfig",
    "Preset",
    "Progress",
    "ProgressFn",
    "UnsupportedModel",
    "describe_sizes",
    "fit_to_preset",
    "generation_size",
    "get_preset",
    "get_style",
    "parse_request",
    "resolve_size",
]
