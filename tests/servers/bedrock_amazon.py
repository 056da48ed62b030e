"""InvokeModel bodies of Titan Image Generator (v1, v2) and Nova Canvas: every task type, checked
against AWS's documented limits and answered with tagged images.

Sources, read for this module:

* Nova Canvas: docs.aws.amazon.com/nova/latest/userguide/image-gen-access.html ("Input images for
  image generation": PNG or JPEG, 8 bits per RGB channel, a PNG alpha channel must hold no transparent
  or translucent pixel, input sizes follow "Supported image resolutions"; "Masking images": pure black
  and white only, black is the area an inpainting changes, white the area an outpainting changes) and
  image-gen-req-resp-structure.html (fields per task, text 1-1024 characters, conditionImage with
  controlMode CANNY_EDGE | SEGMENTATION, style enum).
* Titan: docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-image.html (text <= 512
  characters; input images and masks <= 1,408 pixels on the longer side; the output of inpainting and
  outpainting has the input's size; exactly one of maskPrompt / maskImage, the mask the same size as the
  image; outpainting text required; images 1-5 and similarityStrength 0.2-1.0; controlStrength 0-1.0
  and "if controlMode or controlStrength are provided, then conditionImage must also be provided";
  colors 1-10 hex codes; backgroundRemovalParams carries only the image; image conditioning,
  COLOR_GUIDED_GENERATION and BACKGROUND_REMOVAL are "V2 only", so Titan v1 refuses them).

The error texts copy the shape of the real schema validator ("Malformed input request: #/pointer:
detail, please reformat ..."); the details of the mask and input-image errors are the emulator's own
wording, as AWS does not publish them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from PIL import Image

from tests.servers.bedrock_common import (
    b64encode,
    bounded,
    encode_image,
    enum,
    field_image,
    in_range,
    malformed,
    number,
    solid,
    tag,
    text,
    value_image,
)

TOP_KEYS = frozenset(
    (
        "taskType", "textToImageParams", "imageVariationParams", "colorGuidedGenerationParams",
        "inPaintingParams", "outPaintingParams", "backgroundRemovalParams", "imageGenerationConfig",
    )
)  # fmt: skip
CONFIG_KEYS = frozenset(("numberOfImages", "width", "height", "cfgScale", "seed", "quality"))
TASK_PARAMS = {
    "TEXT_IMAGE": "textToImageParams",
    "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams",
    "IMAGE_VARIATION": "imageVariationParams",
    "INPAINTING": "inPaintingParams",
    "OUTPAINTING": "outPaintingParams",
    "BACKGROUND_REMOVAL": "backgroundRemovalParams",
}
_TEXTS = ("text", "negativeText")
_MASKED = (*_TEXTS, "image", "maskPrompt", "maskImage", "returnMask")
_PARAM_KEYS = {
    "TEXT_IMAGE": frozenset((*_TEXTS, "conditionImage", "controlMode", "controlStrength")),
    "COLOR_GUIDED_GENERATION": frozenset((*_TEXTS, "colors", "referenceImage")),
    "IMAGE_VARIATION": frozenset((*_TEXTS, "images", "similarityStrength")),
    "INPAINTING": frozenset(_MASKED),
    "OUTPAINTING": frozenset((*_MASKED, "outPaintingMode")),
    "BACKGROUND_REMOVAL": frozenset(("image",)),
}
_NOVA_STYLES = (
    "3D_ANIMATED_FAMILY_FILM", "DESIGN_SKETCH", "FLAT_VECTOR_ILLUSTRATION", "GRAPHIC_NOVEL_ILLUSTRATION",
    "MAXIMALISM", "MIDCENTURY_RETRO", "PHOTOREALISM", "SOFT_DIGITAL_PAINTING",
)  # fmt: skip
_TITAN_SIZES = frozenset(
    (
        (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
        (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
        (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
        (1408, 640), (704, 320), (1152, 640), (1173, 640),
    )
)  # fmt: skip
_FORMATS = ("PNG", "JPEG")
_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_NOVA_MAX_PIXELS = 4_194_304
_TITAN_MAX_SIDE = 1408


@dataclass(frozen=True)
class Limits:
    """Per-family limits of the Amazon image models."""

    nova: bool
    text_max: int
    seed_max: int
    default_seed: int
    v1: bool = False  # Titan Image Generator G1 v1: no image conditioning, colours or background removal


TITAN = Limits(nova=False, text_max=512, seed_max=2_147_483_646, default_seed=42)
TITAN_V1 = Limits(nova=False, text_max=512, seed_max=2_147_483_646, default_seed=42, v1=True)
NOVA = Limits(nova=True, text_max=1024, seed_max=858_993_459, default_seed=12)
_V2_ONLY_TASKS = ("COLOR_GUIDED_GENERATION", "BACKGROUND_REMOVAL")
_CONDITIONING = ("conditionImage", "controlMode", "controlStrength")


def limits_for(model_id: str) -> Limits:
    """Nova Canvas, Titan v2 or Titan v1, by the model id."""
    lowered = model_id.lower()
    if "nova" in lowered:
        return NOVA
    return TITAN_V1 if "titan-image-generator-v1" in lowered else TITAN


def check_nova_size(width: int, height: int, pointer: str = "#/imageGenerationConfig") -> None:
    """Nova Canvas output size rules ("Supported image resolutions")."""
    reason = ""
    if width % 16 or height % 16:
        reason = "width and height must be divisible by 16"
    else:
        reason = _nova_bounds(width, height)
    if reason:
        raise malformed(pointer, f"({width}, {height}) is not valid: {reason}")


def _nova_bounds(width: int, height: int) -> str:
    """Why a Nova size breaks the side, pixel-count or aspect-ratio rule, or ''."""
    if not (320 <= width <= 4096 and 320 <= height <= 4096):
        return "width and height must be between 320 and 4096"
    if width * height >= _NOVA_MAX_PIXELS:
        return "the total pixel count must be less than 4194304"
    if max(width, height) > 4 * min(width, height):
        return "the aspect ratio must be between 1:4 and 4:1"
    return ""


def _input_image(params: dict[str, Any], key: str, pointer: str, limits: Limits) -> Image.Image:
    """A base64 input image under key, checked against the family's input rules."""
    image = field_image(params, key, pointer, _FORMATS)
    _check_input(image, f"{pointer}/{key}", limits)
    return image


def _check_input(image: Image.Image, pointer: str, limits: Limits) -> None:
    """Nova: 8-bit RGB(A), opaque alpha, supported resolution. Titan: <= 1,408 px on the longer side."""
    width, height = image.size
    if not limits.nova:
        if max(width, height) > _TITAN_MAX_SIDE:
            longer = f"the longer side must be at most {_TITAN_MAX_SIDE}"
            raise malformed(pointer, f"({width}, {height}): {longer}")
        return
    if image.mode not in ("RGB", "RGBA", "P", "PA", "L", "LA"):
        raise malformed(pointer, f"image mode {image.mode} is not 8 bits per channel")
    if image.mode != "RGB":
        low, _ = cast("tuple[int, int]", image.convert("RGBA").getchannel("A").getextrema())
        if low < 255:
            raise malformed(pointer, "the alpha channel must not contain transparent or translucent pixels")
    reason = _nova_bounds(width, height)
    if reason:
        raise malformed(pointer, f"({width}, {height}) is not valid: {reason}")


def _mask(params: dict[str, Any], pointer: str, size: tuple[int, int], limits: Limits) -> Image.Image | None:
    """Exactly one of maskPrompt / maskImage; a mask image is pure black and white, the image's size."""
    given = [key for key in ("maskPrompt", "maskImage") if key in params]
    if len(given) != 1:
        raise malformed(pointer, f"exactly one of [maskPrompt, maskImage] is required, found {len(given)}")
    if given[0] == "maskPrompt":
        text(params, "maskPrompt", pointer, limits.text_max, required=True)
        return None
    mask = field_image(params, "maskImage", pointer, _FORMATS)
    if mask.size != size:
        raise malformed(f"{pointer}/maskImage", f"mask size {mask.size} differs from image size {size}")
    colours = mask.convert("RGB").getcolors(maxcolors=3) or []
    if any(rgb not in ((0, 0, 0), (255, 255, 255)) for _, rgb in colours) or not colours:
        raise malformed(f"{pointer}/maskImage", "the mask must contain only pure black and pure white pixels")
    return mask


def _task_inputs(
    task: str, params: dict[str, Any], pointer: str, limits: Limits
) -> tuple[Image.Image | None, Image.Image | None]:
    """Check the task's input images; (the image an edit keeps the size of, its mask image)."""
    if task == "TEXT_IMAGE":
        if "conditionImage" in params:
            _input_image(params, "conditionImage", pointer, limits)
            enum(params, "controlMode", pointer, ("CANNY_EDGE", "SEGMENTATION"), "CANNY_EDGE")
            bounded(params, "controlStrength", pointer, 0.7, (0, 1))
        elif "controlMode" in params or "controlStrength" in params:
            raise malformed(pointer, "required key [conditionImage] not found")
        return None, None
    if task == "COLOR_GUIDED_GENERATION":
        colours = params.get("colors")
        if not isinstance(colours, list) or not 1 <= len(colours) <= 10:
            raise malformed(f"{pointer}/colors", "expected 1 to 10 hex colour codes")
        for i, colour in enumerate(colours):
            if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
                raise malformed(f"{pointer}/colors/{i}", f"{colour!r} is not a hex colour code like #FF9800")
        if "referenceImage" in params:
            _input_image(params, "referenceImage", pointer, limits)
        return None, None
    if task == "IMAGE_VARIATION":
        images = params.get("images")
        if not isinstance(images, list) or not 1 <= len(images) <= 5:
            raise malformed(f"{pointer}/images", "expected 1 to 5 base64 images")
        for i, value in enumerate(images):
            where = f"{pointer}/images/{i}"
            _check_input(value_image(value, where, _FORMATS), where, limits)
        bounded(params, "similarityStrength", pointer, 0.7, (0.2, 1.0))
        return None, None
    source = _input_image(params, "image", pointer, limits)
    mask = None
    if task in ("INPAINTING", "OUTPAINTING"):
        mask = _mask(params, pointer, source.size, limits)
        if "returnMask" in params and not isinstance(params["returnMask"], bool):
            raise malformed(f"{pointer}/returnMask", "expected type: Boolean")
    if task == "OUTPAINTING":
        enum(params, "outPaintingMode", pointer, ("DEFAULT", "PRECISE"), "DEFAULT")
    return source, mask


def _edited(task: str, source: Image.Image, mask: Image.Image | None, fill: Image.Image) -> Image.Image:
    """What an edit task returns: the masked area (inpainting: black, outpainting: white) filled,
    the whole image when the mask came from a prompt; background removal makes the border clear."""
    if task == "BACKGROUND_REMOVAL":
        out = source.convert("RGBA")
        alpha = Image.new("L", out.size, 0)
        width, height = out.size
        alpha.paste(255, (width // 4, height // 4, width - width // 4, height - height // 4))
        out.putalpha(alpha)
        return out
    if mask is None:
        return fill
    grey = mask.convert("L")
    changed = grey.point(lambda v: 255 - v) if task == "INPAINTING" else grey
    return Image.composite(fill, source.convert("RGB"), changed)


def amazon_image(model_id: str, body: dict[str, Any], call: int, *, base: str = "") -> dict[str, Any]:
    """Titan Image Generator / Nova Canvas (base: the foundation model an ARN or profile resolved to)."""
    limits = limits_for(base or model_id)
    extra = sorted(set(body) - TOP_KEYS)
    if extra:
        raise malformed("#", f"extraneous key [{extra[0]}] is not permitted")
    task = body["taskType"]
    if task not in TASK_PARAMS or (limits.v1 and task in _V2_ONLY_TASKS):
        raise malformed("#/taskType", f"{task} is not a valid enum value")
    params_key = TASK_PARAMS[task]
    params = body.get(params_key)
    if not isinstance(params, dict):
        raise malformed("#", f"required key [{params_key}] not found")
    pointer = f"#/{params_key}"
    allowed = _PARAM_KEYS[task] | ({"style"} if limits.nova and task == "TEXT_IMAGE" else set())
    if limits.v1:
        allowed -= set(_CONDITIONING)
    extra = sorted(set(params) - allowed)
    if extra:
        raise malformed(pointer, f"extraneous key [{extra[0]}] is not permitted")
    if task == "BACKGROUND_REMOVAL" and "imageGenerationConfig" in body:
        raise malformed("#", "extraneous key [imageGenerationConfig] is not permitted")
    # Titan's page marks the outpainting text Required; Nova's leaves it optional.
    text_required = task in ("TEXT_IMAGE", "COLOR_GUIDED_GENERATION") or (
        task == "OUTPAINTING" and not limits.nova
    )
    prompt = ""
    if task != "BACKGROUND_REMOVAL":
        prompt = text(params, "text", pointer, limits.text_max, required=text_required)
        text(params, "negativeText", pointer, limits.text_max, required=False)
    if "style" in params:
        enum(params, "style", pointer, _NOVA_STYLES, _NOVA_STYLES[0])
    source, mask = _task_inputs(task, params, pointer, limits)

    config = body.get("imageGenerationConfig") or {}
    if not isinstance(config, dict):
        raise malformed("#/imageGenerationConfig", "expected type: JSONObject")
    extra = sorted(set(config) - CONFIG_KEYS)
    if extra:
        raise malformed("#/imageGenerationConfig", f"extraneous key [{extra[0]}] is not permitted")
    cfg = "#/imageGenerationConfig"
    count = number(config, "numberOfImages", cfg, 1, integer=True)
    in_range(count, 1, 5, f"{cfg}/numberOfImages")
    width = number(config, "width", cfg, 1024, integer=True)
    height = number(config, "height", cfg, 1024, integer=True)
    cfg_scale = number(config, "cfgScale", cfg, 6.5, integer=False)
    in_range(cfg_scale, 1.1, 10, f"{cfg}/cfgScale")
    seed = number(config, "seed", cfg, limits.default_seed, integer=True)
    in_range(seed, 0, limits.seed_max, f"{cfg}/seed")
    if "quality" in config:
        enum(config, "quality", cfg, ("standard", "premium"), "standard")
    if source is not None:
        # Editing keeps the input's size ("The output size is the same as the input size").
        width, height = source.size
        count = 1 if task == "BACKGROUND_REMOVAL" else count
    elif not limits.nova:
        if (width, height) not in _TITAN_SIZES:
            raise malformed(cfg, f"({width}, {height}) is not valid")
    else:
        check_nova_size(width, height)
    images = []
    for i in range(count):
        chunks = tag(
            seed=seed, index=i, call=call, prompt=prompt, model_id=model_id, extra={"emulator-task": task}
        )
        fill = solid((width, height), seed, i)
        out = fill if source is None else _edited(task, source, mask, fill)
        images.append(b64encode(encode_image(out, chunks, fmt="png")))
    return {"images": images}
