"""What views.open / views.update / views.push / views.publish refuse, by Slack's documented limits.

Sources (docs.slack.dev):
- reference/views/modal-views: a modal's ``title`` is plain_text of at most 24 characters,
  ``close`` and ``submit`` too; ``submit`` is required when an input block is present; at most
  100 blocks; ``private_metadata`` at most 3000 characters, ``callback_id`` at most 255.
- reference/block-kit/blocks/input-block: ``label`` (plain_text, at most 2000 characters) and
  ``element`` are required; ``hint`` at most 2000; ``block_id`` at most 255, unique in the view.
- reference/block-kit/block-elements/file-input-element: the element lives only in an input
  block; ``action_id`` at most 255; ``filetypes`` an array of file extensions; ``max_files`` from
  1 to 10 (default 10); the app needs the files:read scope.

Slack answers a refused view with ``invalid_arguments`` and one ``[ERROR] … [json-pointer:…]``
line per problem in ``response_metadata.messages``. Which error a view with a file_input gets
from a token without files:read is not documented; this server answers ``missing_scope``.
"""

from __future__ import annotations

from typing import Any

MODAL_TEXT_MAX = 24
MAX_BLOCKS = 100
PRIVATE_METADATA_MAX = 3000
ID_MAX = 255
LABEL_MAX = 2000
MAX_FILES = (1, 10)
FILE_INPUT_SCOPE = "files:read"


def _plain_text(value: Any, limit: int) -> str | None:
    """Why ``value`` is not a plain_text object of at most ``limit`` characters, or None."""
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        return "must be a plain_text object"
    text = value.get("text")
    if not isinstance(text, str) or not text:
        return "must have non-empty text"
    if len(text) > limit:
        return f"must be at most {limit} characters"
    return None


def _file_input(element: dict[str, Any], pointer: str) -> list[str]:
    problems = []
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > ID_MAX):
        problems.append(f"action_id must be a string of at most {ID_MAX} characters [{pointer}/action_id]")
    filetypes = element.get("filetypes")
    if filetypes is not None and (
        not isinstance(filetypes, list) or not all(isinstance(f, str) and f for f in filetypes)
    ):
        problems.append(f"filetypes must be an array of file extensions [{pointer}/filetypes]")
    max_files = element.get("max_files")
    low, high = MAX_FILES
    if max_files is not None and (
        not isinstance(max_files, int) or isinstance(max_files, bool) or not low <= max_files <= high
    ):
        problems.append(f"max_files must be from {low} to {high} [{pointer}/max_files]")
    return problems


def _stray_file_inputs(node: Any, pointer: str) -> list[str]:
    """file_input elements anywhere but as an input block's element."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "file_input":
            found.append(f"file_input is only allowed as an input block's element [{pointer}]")
        for key, value in node.items():
            found += _stray_file_inputs(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _stray_file_inputs(value, f"{pointer}/{index}")
    return found


def _blocks(blocks: list[Any]) -> tuple[list[str], bool, bool]:
    """(problems, has an input block, has a file_input) of a view's blocks."""
    problems: list[str] = []
    seen: set[str] = set()
    has_input = has_file_input = False
    for index, block in enumerate(blocks):
        pointer = f"/view/blocks/{index}"
        if not isinstance(block, dict):
            problems.append(f"must be an object [{pointer}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > ID_MAX:
                problems.append(f"block_id must be at most {ID_MAX} characters [{pointer}/block_id]")
            elif block_id in seen:
                problems.append(f"block_id {block_id!r} is not unique [{pointer}/block_id]")
            else:
                seen.add(block_id)
        if block.get("type") != "input":
            problems += _stray_file_inputs(block, pointer)
            continue
        has_input = True
        problem = _plain_text(block.get("label"), LABEL_MAX)
        if problem:
            problems.append(f"label {problem} [{pointer}/label]")
        if "hint" in block and (problem := _plain_text(block["hint"], LABEL_MAX)):
            problems.append(f"hint {problem} [{pointer}/hint]")
        element = block.get("element")
        if not isinstance(element, dict):
            problems.append(f"element is required [{pointer}/element]")
            continue
        if element.get("type") == "file_input":
            has_file_input = True
            problems += _file_input(element, f"{pointer}/element")
        else:
            problems += _stray_file_inputs(element, f"{pointer}/element")
    return problems, has_input, has_file_input


def view_problems(view: dict[str, Any]) -> tuple[list[str], bool]:
    """(what Slack would refuse in ``view``, whether it holds a file_input)."""
    problems: list[str] = []
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["[ERROR] blocks is required [json-pointer:/view/blocks]"], False
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"no more than {MAX_BLOCKS} items allowed [/view/blocks]")
    found, has_input, has_file_input = _blocks(blocks)
    problems += found
    if view.get("type") == "modal":
        for key, required in (("title", True), ("close", False), ("submit", has_input)):
            if key in view or required:
                problem = _plain_text(view.get(key), MODAL_TEXT_MAX)
                if problem:
                    problems.append(f"{key} {problem} [/view/{key}]")
        metadata = view.get("private_metadata")
        if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX:
            problems.append(f"must be at most {PRIVATE_METADATA_MAX} characters [/view/private_metadata]")
        callback_id = view.get("callback_id")
        if isinstance(callback_id, str) and len(callback_id) > ID_MAX:
            problems.append(f"must be at most {ID_MAX} characters [/view/callback_id]")
    return [_as_slack(problem) for problem in problems], has_file_input


def _as_slack(problem: str) -> str:
    """``what [pointer]`` as Slack words it: ``[ERROR] what [json-pointer:pointer]``."""
    if problem.startswith("[ERROR]"):
        return problem
    what, _, pointer = problem.rpartition(" [")
    return f"[ERROR] {what} [json-pointer:{pointer.rstrip(']')}]"
