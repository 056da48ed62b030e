"""InvokeModel bodies of the Stability AI models on Bedrock: SDXL (text_prompts), SD3 / SD3.5 / Stable
Image Core / Ultra (prompt), and the thirteen Stability AI Image Services (one model id each).

The Image Services' fields and limits are those of docs.aws.amazon.com/bedrock/latest/userguide/
stable-image-services.html, read for this module:

* every service answers ``{"seeds": [...], "finish_reasons": [null], "images": [b64]}``;
* prompt and negative_prompt at most 10,000 characters (the page says "Minimum 0" for prompt), seed
  0-4294967294 ("0 or omitted: a random seed"), output_format jpeg | png | webp (default png),
  style_preset one of 17 names;
* most input images: every side at least 64 pixels, at most 9,437,184 pixels, aspect ratio 1:2.5 to
  2.5:1, jpeg / png / webp; Creative Upscale instead 4,096 to 1,048,576 pixels; Fast Upscale width and
  height 32-1,536 and 1,024 to 1,048,576 pixels, output 4 times the input;
* creativity 0.1-0.5 (upscales; defaults 0.3 creative, 0.35 conservative) and 0.1-1.0 (outpaint),
  grow_mask 0-20, control_strength and fidelity 0-1, outpaint left/right/up/down 0-2000 with at least
  one non-zero, style transfer composition_fidelity and style_strength 0-1, change_strength 0.1-1;
* inpaint and erase masks are resized to the image when their size differs, so no size check.

Where the page is silent the emulator does not invent a rule: unknown keys are ignored, a missing
mask (inpaint, erase) is accepted whatever the image's alpha channel holds, and output sizes not
stated there are chosen as noted on each service. Validation messages reuse the schema-validator
wording of the other Bedrock models; the page does not give the real texts.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from tests.servers.bedrock_common import (
    b64,
    b64encode,
    bounded,
    encode_image,
    enum,
    field_image,
    image_size,
    in_range,
    malformed,
    megapixel_size,
    number,
    solid,
    tag,
    tagged_image,
    text,
    value_image,
)

SDXL_SIZES = frozenset(
    (
        (1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640),
        (640, 1536), (768, 1344), (832, 1216), (896, 1152),
    )
)  # fmt: skip
ASPECT_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
STYLE_PRESETS = (
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
    "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami",
    "photographic", "pixel-art", "tile-texture",
)  # fmt: skip
_SEED_MAX = 4_294_967_294
_TEXT_MAX = 10_000
_FORMATS = ("JPEG", "PNG", "WEBP")
_OUTPUT_FORMATS = ("jpeg", "png", "webp")
_UPSCALE_PIXELS = 4_194_304  # "4K" on the AWS page; Stability's own reference says a 4 megapixel output


@dataclass(frozen=True)
class _ImageRule:
    """Input image limits of one service."""

    min_side: int
    max_side: int | None
    min_pixels: int
    max_pixels: int
    aspect: bool  # 1:2.5 to 2.5:1


_GENERAL = _ImageRule(min_side=64, max_side=None, min_pixels=0, max_pixels=9_437_184, aspect=True)
_CREATIVE = _ImageRule(min_side=64, max_side=None, min_pixels=4_096, max_pixels=1_048_576, aspect=False)
_FAST = _ImageRule(min_side=32, max_side=1_536, min_pixels=1_024, max_pixels=1_048_576, aspect=False)


def _checked_image(body: dict[str, Any], key: str, rule: _ImageRule) -> Image.Image:
    """body[key] decoded and checked against the service's image rule."""
    image = field_image(body, key, "#", _FORMATS)
    width, height = image.size
    pointer = f"#/{key}"
    if min(width, height) < rule.min_side or (rule.max_side and max(width, height) > rule.max_side):
        bounds = f"at least {rule.min_side}" + (f" and at most {rule.max_side}" if rule.max_side else "")
        raise malformed(pointer, f"({width}, {height}): every side must be {bounds} pixels")
    if not rule.min_pixels <= width * height <= rule.max_pixels:
        raise malformed(
            pointer, f"{width * height} pixels: must be between {rule.min_pixels} and {rule.max_pixels}"
        )
    if rule.aspect and max(width, height) * 2 > min(width, height) * 5:
        raise malformed(pointer, f"({width}, {height}): the aspect ratio must be between 1:2.5 and 2.5:1")
    return image


def _common(body: dict[str, Any], call: int) -> tuple[int, str]:
    """seed (a derived non-zero one for 0, as the service picks a random seed) and output_format."""
    seed = number(body, "seed", "#", 0, integer=True)
    in_range(seed, 0, _SEED_MAX, "#/seed")
    if seed == 0:
        seed = int.from_bytes(hashlib.sha256(f"seed:{call}".encode()).digest()[:4], "big") % _SEED_MAX + 1
    fmt = enum(body, "output_format", "#", _OUTPUT_FORMATS, "png")
    text(body, "negative_prompt", "#", _TEXT_MAX, required=False, min_len=0)
    if "style_preset" in body:
        enum(body, "style_preset", "#", STYLE_PRESETS, STYLE_PRESETS[0])
    return seed, fmt


def _prompt(body: dict[str, Any], *, required: bool) -> str:
    """The prompt field ("Minimum 0 and Maximum 10000 characters")."""
    return text(body, "prompt", "#", _TEXT_MAX, required=required, min_len=0)


def _optional_mask(body: dict[str, Any]) -> None:
    """A mask, when given, is an image; its size may differ (the service resizes it)."""
    if "mask" in body:
        value_image(body["mask"], "#/mask", _FORMATS)


def _upscaled(size: tuple[int, int]) -> tuple[int, int]:
    """About 4 megapixels at the input's aspect ratio."""
    scale = math.sqrt(_UPSCALE_PIXELS / (size[0] * size[1]))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


# Each service: checks the body and returns (output size, prompt, keeps-alpha).
_Service = Callable[[dict[str, Any]], tuple[tuple[int, int], str, bool]]


def _fast_upscale(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    width, height = _checked_image(body, "image", _FAST).size
    return (width * 4, height * 4), "", False


def _conservative_upscale(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    prompt = _prompt(body, required=True)
    image = _checked_image(body, "image", _GENERAL)
    bounded(body, "creativity", "#", 0.35, (0.1, 0.5))
    return _upscaled(image.size), prompt, False


def _creative_upscale(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    prompt = _prompt(body, required=True)
    image = _checked_image(body, "image", _CREATIVE)
    bounded(body, "creativity", "#", 0.3, (0.1, 0.5))
    return _upscaled(image.size), prompt, False


def _inpaint(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    prompt = _prompt(body, required=True)
    image = _checked_image(body, "image", _GENERAL)
    _optional_mask(body)
    bounded(body, "grow_mask", "#", 5, (0, 20))
    return image.size, prompt, False


def _erase(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    image = _checked_image(body, "image", _GENERAL)
    _optional_mask(body)
    bounded(body, "grow_mask", "#", 5, (0, 20))
    return image.size, "", False


def _outpaint(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    image = _checked_image(body, "image", _GENERAL)
    prompt = _prompt(body, required=False)
    bounded(body, "creativity", "#", 0.5, (0.1, 1.0))
    sides = {}
    for key in ("left", "right", "up", "down"):
        sides[key] = number(body, key, "#", 0, integer=True)
        in_range(sides[key], 0, 2000, f"#/{key}")
    if not any(sides.values()):
        raise malformed("#", "at least one of [left, right, up, down] must be non-zero")
    width, height = image.size
    return (width + sides["left"] + sides["right"], height + sides["up"] + sides["down"]), prompt, False


def _search(search_key: str) -> _Service:
    """Search and Replace (search_prompt) or Search and Recolor (select_prompt)."""

    def service(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
        prompt = _prompt(body, required=True)
        image = _checked_image(body, "image", _GENERAL)
        text(body, search_key, "#", _TEXT_MAX, required=True, min_len=0)
        bounded(body, "grow_mask", "#", 5, (0, 20))
        return image.size, prompt, False

    return service


def _remove_background(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    return _checked_image(body, "image", _GENERAL).size, "", True


def _control(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    # The page gives no output size for sketch / structure; the emulator keeps the input's.
    prompt = _prompt(body, required=True)
    image = _checked_image(body, "image", _GENERAL)
    bounded(body, "control_strength", "#", 0.7, (0, 1))
    return image.size, prompt, False


def _style_guide(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    # Output about one megapixel at aspect_ratio, like the prompt models; the page does not say.
    prompt = _prompt(body, required=True)
    _checked_image(body, "image", _GENERAL)
    ratio = enum(body, "aspect_ratio", "#", ASPECT_RATIOS, "1:1")
    bounded(body, "fidelity", "#", 0.5, (0, 1))
    ratio_w, ratio_h = (int(part) for part in ratio.split(":"))
    return megapixel_size(ratio_w, ratio_h), prompt, False


def _style_transfer(body: dict[str, Any]) -> tuple[tuple[int, int], str, bool]:
    # The page gives no output size; the emulator keeps init_image's.
    init = _checked_image(body, "init_image", _GENERAL)
    _checked_image(body, "style_image", _GENERAL)
    prompt = _prompt(body, required=False)
    bounded(body, "composition_fidelity", "#", 0.9, (0, 1))
    bounded(body, "style_strength", "#", 1, (0, 1))
    bounded(body, "change_strength", "#", 0.9, (0.1, 1))
    return init.size, prompt, False


IMAGE_SERVICES: dict[str, _Service] = {
    "stability.stable-fast-upscale-v1:0": _fast_upscale,
    "stability.stable-conservative-upscale-v1:0": _conservative_upscale,
    "stability.stable-creative-upscale-v1:0": _creative_upscale,
    "stability.stable-image-inpaint-v1:0": _inpaint,
    "stability.stable-outpaint-v1:0": _outpaint,
    "stability.stable-image-search-recolor-v1:0": _search("select_prompt"),
    "stability.stable-image-search-replace-v1:0": _search("search_prompt"),
    "stability.stable-image-erase-object-v1:0": _erase,
    "stability.stable-image-remove-background-v1:0": _remove_background,
    "stability.stable-image-control-sketch-v1:0": _control,
    "stability.stable-image-control-structure-v1:0": _control,
    "stability.stable-image-style-guide-v1:0": _style_guide,
    "stability.stable-style-transfer-v1:0": _style_transfer,
}


def image_service(base_id: str, model_id: str, body: dict[str, Any], call: int) -> dict[str, Any]:
    """One Stability AI Image Services call (base_id: the foundation model the id resolved to)."""
    size, prompt, clear_border = IMAGE_SERVICES[base_id](body)
    seed, fmt = _common(body, call)
    image = solid(size, seed, 0)
    if clear_border:
        # Background removal: an alpha channel whose border is transparent (JPEG has none to keep).
        image = image.convert("RGBA")
        alpha = Image.new("L", size, 0)
        alpha.paste(255, (size[0] // 4, size[1] // 4, size[0] - size[0] // 4, size[1] - size[1] // 4))
        image.putalpha(alpha)
    chunks = tag(seed=seed, index=0, call=call, prompt=prompt, model_id=model_id)
    data = encode_image(image, chunks, fmt=fmt)
    return {"seeds": [seed], "finish_reasons": [None], "images": [b64encode(data)]}


def _sdxl_init_image(body: dict[str, Any]) -> tuple[int, int]:
    """Image to image (model-parameters-diffusion-1-0-image-image.html): the init image's size, once
    init_image_mode (IMAGE_STRENGTH | STEP_SCHEDULE) and its strengths are checked. The page says
    image_strength near 1 keeps the source and near 0 departs from it; Stability's v1 reference,
    which the page points to, bounds it and the step schedule to 0-1."""
    data = b64(body["init_image"])
    if data is None:
        raise malformed("#/init_image", "invalid base64 image")
    enum(body, "init_image_mode", "#", ("IMAGE_STRENGTH", "STEP_SCHEDULE"), "IMAGE_STRENGTH")
    bounded(body, "image_strength", "#", 0.35, (0, 1))
    bounded(body, "step_schedule_start", "#", 0.65, (0, 1))
    bounded(body, "step_schedule_end", "#", 0, (0, 1))
    return image_size(data, "#/init_image")


def sdxl_image(model_id: str, body: dict[str, Any], call: int) -> dict[str, Any]:
    """Stability SDXL 1.0 (text_prompts API)."""
    prompts = body["text_prompts"]
    if not isinstance(prompts, list) or not prompts:
        raise malformed("#/text_prompts", "expected minItems: 1, actual: 0")
    for i, prompt in enumerate(prompts):
        if not isinstance(prompt, dict) or not isinstance(prompt.get("text"), str) or not prompt["text"]:
            raise malformed(f"#/text_prompts/{i}", "required key [text] not found")
    cfg_scale = number(body, "cfg_scale", "#", 7, integer=False)
    in_range(cfg_scale, 0, 35, "#/cfg_scale")
    steps = number(body, "steps", "#", 30, integer=True)
    in_range(steps, 10, 50, "#/steps")
    seed = number(body, "seed", "#", 0, integer=True)
    in_range(seed, 0, 4_294_967_295, "#/seed")
    if "init_image" in body:
        width, height = _sdxl_init_image(body)
    else:
        width = number(body, "width", "#", 1024, integer=True)
        height = number(body, "height", "#", 1024, integer=True)
    if (width, height) not in SDXL_SIZES:
        raise malformed("#", f"({width}, {height}) is not valid")
    positive = " ".join(p["text"] for p in prompts if float(p.get("weight", 1)) >= 0)
    png = tagged_image((width, height), seed=seed, index=0, call=call, prompt=positive, model_id=model_id)
    artifact = {"seed": seed, "base64": b64encode(png), "finishReason": "SUCCESS"}
    return {"result": "success", "artifacts": [artifact]}


def _image_to_image(body: dict[str, Any]) -> tuple[int, int]:
    """SD3.5's image-to-image mode: "requires the prompt, image, and strength parameters"
    (model-parameters-diffusion-3-5-large.html); strength 0-1 and every side of the image at least
    64 pixels (Stability's reference for the same API). The output keeps the image's aspect ratio."""
    data = b64(body.get("image"))
    if data is None:
        raise malformed("#", "required key [image] not found")
    if "strength" not in body:
        raise malformed("#", "required key [strength] not found")
    strength = number(body, "strength", "#", 0.5, integer=False)
    in_range(strength, 0, 1, "#/strength")
    src_w, src_h = image_size(data, "#/image")
    if min(src_w, src_h) < 64:
        raise malformed("#/image", f"({src_w}, {src_h}): every side must be at least 64 pixels")
    return megapixel_size(src_w, src_h)


def prompt_image(model_id: str, body: dict[str, Any], call: int, *, base: str = "") -> dict[str, Any]:
    """SD3 / SD3.5 Large, Stable Image Core / Ultra (prompt API; base: the foundation model an ARN or
    profile resolved to)."""
    prompt = text(body, "prompt", "#", 10_000, required=True)
    text(body, "negative_prompt", "#", 10_000, required=False)
    seed = number(body, "seed", "#", 0, integer=True)
    in_range(seed, 0, _SEED_MAX, "#/seed")
    fmt = body.get("output_format", "png")
    if fmt not in ("png", "jpeg"):
        raise malformed("#/output_format", f"{fmt} is not a valid enum value")
    # Core's and Ultra's pages list mode with the single value text-to-image; SD3.5 has both.
    modes = ("text-to-image", "image-to-image") if "sd3" in (base or model_id) else ("text-to-image",)
    mode = enum(body, "mode", "#", modes, "text-to-image")
    if mode == "image-to-image" or "image" in body:
        width, height = _image_to_image(body)
    else:
        ratio = body.get("aspect_ratio", "1:1")
        if ratio not in ASPECT_RATIOS:
            raise malformed("#/aspect_ratio", f"{ratio} is not a valid enum value")
        ratio_w, ratio_h = (int(part) for part in ratio.split(":"))
        width, height = megapixel_size(ratio_w, ratio_h)
    image = tagged_image(
        (width, height), seed=seed, index=0, call=call, prompt=prompt, model_id=model_id, fmt=fmt
    )
    return {"seeds": [seed], "finish_reasons": [None], "images": [b64encode(image)]}
