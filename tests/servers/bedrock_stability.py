"""InvokeModel bodies of the Stability AI models on Bedrock: SDXL (text_prompts) and SD3 / SD3.5 / Stable
Image Core / Ultra (prompt)."""

from __future__ import annotations

from typing import Any

from tests.servers.bedrock_common import (
    b64,
    b64encode,
    image_size,
    in_range,
    malformed,
    megapixel_size,
    number,
    tagged_image,
    text,
)

SDXL_SIZES = frozenset(
    (
        (1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640),
        (640, 1536), (768, 1344), (832, 1216), (896, 1152),
    )
)  # fmt: skip
ASPECT_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
_SEED_MAX = 4_294_967_294


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
        data = b64(body["init_image"])
        if data is None:
            raise malformed("#/init_image", "invalid base64 image")
        width, height = image_size(data, "#/init_image")
    else:
        width = number(body, "width", "#", 1024, integer=True)
        height = number(body, "height", "#", 1024, integer=True)
    if (width, height) not in SDXL_SIZES:
        raise malformed("#", f"({width}, {height}) is not valid")
    positive = " ".join(p["text"] for p in prompts if float(p.get("weight", 1)) >= 0)
    png = tagged_image((width, height), seed=seed, index=0, call=call, prompt=positive, model_id=model_id)
    artifact = {"seed": seed, "base64": b64encode(png), "finishReason": "SUCCESS"}
    return {"result": "success", "artifacts": [artifact]}


def prompt_image(model_id: str, body: dict[str, Any], call: int) -> dict[str, Any]:
    """SD3 / SD3.5 Large, Stable Image Core / Ultra (prompt API)."""
    prompt = text(body, "prompt", "#", 10_000, required=True)
    text(body, "negative_prompt", "#", 10_000, required=False)
    seed = number(body, "seed", "#", 0, integer=True)
    in_range(seed, 0, _SEED_MAX, "#/seed")
    fmt = body.get("output_format", "png")
    if fmt not in ("png", "jpeg"):
        raise malformed("#/output_format", f"{fmt} is not a valid enum value")
    if body.get("mode") == "image-to-image" or "image" in body:
        data = b64(body.get("image"))
        if data is None:
            raise malformed("#", "required key [image] not found")
        strength = number(body, "strength", "#", 0.5, integer=False)
        in_range(strength, 0, 1, "#/strength")
        src_w, src_h = image_size(data, "#/image")
        width, height = megapixel_size(src_w, src_h)
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
