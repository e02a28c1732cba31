"""Pure content-compliance engine (no Django): rule packs as data, Aho-Corasick matching.

Public API: :func:`check_items`, :func:`validate_items`, :func:`check_text`, :class:`Finding`.
"""

from mallops.compliance.engine.api import (
    Problem,
    Verdict,
    check_items,
    check_text,
    default_engine,
    validate_items,
    verdict_of,
)
from mallops.compliance.engine.matcher import Document, Engine, Finding
from mallops.compliance.engine.rules import CATEGORIES, Citation, Pack, Rule, RulePackError, load_packs

__all__ = [
    "CATEGORIES",
    "Citation",
    "Document",
    "Engine",
    "Finding",
    "Pack",
    "Problem",
    "Rule",
    "RulePackError",
    "Verdict",
    "check_items",
    "check_text",
    "default_engine",
    "load_packs",
    "validate_items",
    "verdict_of",
]
