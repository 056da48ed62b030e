"""The choices the form, help and App Home offer, as listeners call them: ``menus.size_choices(...)``.

Public names of ``services.slack``, grouped under the name the listeners have always used for them.
"""

from services.slack import RATIOS, help_blocks, model_choices, size_choices, style_choices

__all__ = ["RATIOS", "help_blocks", "model_choices", "size_choices", "style_choices"]
