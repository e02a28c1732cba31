"""The review app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class ReviewCode(ProblemCode):
    CLAIM_REQUIRED = (
        "claim_required",
        "Claim the listing before deciding (the claim may have expired).",
        "请先认领该商品再审核（认领可能已过期）",
    )
    CLAIMED_BY_OTHER = (
        "claimed_by_other",
        "Another reviewer is working on the listing.",
        "其他审核员正在处理该商品",
    )
    IMPORT_HAS_ERRORS = (
        "import_has_errors",
        "The import has errors; nothing was imported.",
        "导入文件有错误，未导入任何商品",
    )
    LISTING_EXISTS = "listing_exists", "The product already has a listing.", "该商品已有上架申请"
    NOT_LIVE = "not_live", "The listing is not live.", "该商品未上架"
    NOTHING_TO_REVIEW = (
        "nothing_to_review",
        "The listing has no version waiting for review.",
        "该商品没有待审核的版本",
    )
