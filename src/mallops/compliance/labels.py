"""Names the console shows for compliance and review-check rule ids; the id stays in a tooltip.

Read by ``mallops.core.words`` (``{{ finding.rule|label:"compliance.rule" }}``). A rule added to a pack needs a
name here: ``tests/compliance/test_rule_names.py`` fails until it has one.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

RULE: dict[str, Any] = {
    "AD9-3-SUPERLATIVE-ZUI": _("Superlative with 最"),
    "AD9-3-SUPERLATIVE-TOP": _("Top-grade claim"),
    "AD9-3-LEVEL": _("National or world rank claim"),
    "AD9-3-OWN-RANGE": _("Top of own brand or series"),
    "AD9-2-AUTHORITY": _("State organ or official endorsement"),
    "AD9-2-STATE": _("State leaders or venues as endorsement"),
    "AD17-CLAIM-TREAT": _("Treatment of a named condition"),
    "AD17-CLAIM-RESULT": _("Cure outcome or patient group"),
    "AD17-DISEASE-NAMED": _("Named disease on ordinary goods"),
    "AD17-CLAIM-RESTORE": _("Restoring a body function"),
    "AD17-CLAIM-DISEASE-CLASS": _("Curing a condition named by its suffix"),
    "AD17-CLAIM-PATHOGEN": _("Killing a named pathogen"),
    "AD17-CLAIM-PREVENT": _("Keeping illness away"),
    "AD17-CLAIM-DRUG": _("Replacing or beating medicine"),
    "AD17-CLAIM-EQUIVALENT": _("Equivalence to a drug or many products"),
    "AD17-CLAIM-EQUIVALENT-TIMES": _("Effect N times that of a food or drug"),
    "AD17-CLAIM-EQUIVALENT-SIGN": _("One unit set equal to a quantity of another product"),
    "AD17-CLAIM-BOOST": _("Raising a body function"),
    "AD-ENDORSE-MEDICAL": _("Endorsement by doctors or hospitals"),
    "AD18-HF-NECESSITY": _("Health food as a cure-all or necessity"),
    "AD18-DRUG-SUBSTITUTE": _("Health food presented as medicine"),
    "AD17-CLAIM-RESTORE-STATE": _("Turning the body back to an earlier state"),
    "AD28-CLAIM-VANISH": _("Blemishes promised to vanish"),
    "AD11-DATA-SOURCE": _("Data or research claim without a source"),
    "AD11-DATA-FIGURE": _("Comparative figure to verify"),
    "AD9-3-FIRST": _("First or number-one claim"),
    "AD9-3-ONLY": _("Only or exclusive claim"),
    "AD28-GUARANTEE-ABSOLUTE": _("Absolute promise"),
    "AD28-GUARANTEE-EFFICACY": _("Efficacy guarantee"),
    "AD28-NATURAL": _("All-natural claim to verify"),
    "AD28-GUARANTEE-PROGRAMME": _("Guarantee programme to verify"),
    "AD28-HONOUR": _("Honour or title to verify"),
    "AD28-RESEARCH": _("Unverifiable research or figures"),
    "AD17-DISEASE": _("Disease treatment or prevention claim"),
    "AD17-FUNCTION": _("Health-function claim on ordinary goods"),
    "AD17-FUNCTION-WEIGHT": _("Weight-loss figures"),
    "AD17-FUNCTION-HEIGHT": _("Growing-taller claim"),
    "AD17-DISINFECTION": _("Sterilising claim without registration"),
    "AD17-DISINFECTION-USE": _("Disinfecting claim without registration"),
    "AD17-DISINFECTION-FIGURE": _("Kill-rate figure to verify"),
    "PRICE56-16-REFERENCE": _("Reference price to check"),
    "PRICE56-17-INFLATED": _("Loss-making or clearance price story"),
    "PRICE56-19-LOWEST": _("Lowest-price claim"),
    "PRICE56-19-URGENCY": _("Price-rise threat"),
    "PROMO32-5-LURE": _("Prize or free-gift lure"),
    "PROMO32-5-STOCK": _("Scarcity claim to match stock"),
    "PROMO32-5-STOCK-COUNT": _("Counted last few to match stock"),
    "PROMO32-5-LIMITED-TIME": _("Limited-time offer without an end time"),
    "AD17-CLAIM-RELIEF": _("Symptom said to be gone"),
    "AD17-CLAIM-MED-COMPARE": _("Compared with a hospital, vaccine or treatment"),
    "AD17-CLAIM-BIOMARKER": _("Blood sugar or pressure said to fall"),
    "AD17-CLAIM-BODY-SHAPE": _("Correcting body shape or posture"),
    "AD17-CLAIM-INTAKE-EFFECT": _("Health effect after eating or using"),
    "AD4-BREAST-MILK": _("Presented as equal to breast milk"),
    "AD28-GUARANTEE-LIFETIME": _("Lifetime promise about the goods"),
    "AD28-GUARANTEE-RESULT": _("Promised result with a figure"),
    "AD28-GUARANTEE-REFUND": _("Refund promised if the result fails"),
    "AD28-ZERO-ADD": _("Zero-additive claim to verify"),
    "PROMO32-5-DEADLINE": _("Deadline threat without a real period"),
    "AD17-CLAIM-EVASION": _("Medical word spelt to dodge review"),
    "COMPLETENESS-TITLE": _("Title incomplete"),
    "AD-SECOND-OPINION": _("Reads like an unlawful claim (statistical second opinion; a person decides)"),
    "COMPLETENESS-ATTRIBUTE": _("Required attribute missing"),
    "COMPLETENESS-CERTIFICATE": _("Required certificate missing"),
    "ACCURACY-NO-SKU": _("No SKU"),
    "ACCURACY-PRICE": _("Price out of range"),
    "ACCURACY-SPEC-KEYS": _("SKU specs inconsistent"),
    "ACCURACY-SPEC-DUPLICATE": _("Duplicate SKU specs"),
    "AFTERSALES-EXCLUSION-REASON": _("After-sales exclusion without a reason"),
    "PRICE56-16-REFERENCE-HISTORY": _("Reference price above the 7-day low"),
    "PROMO32-5-STOCK-CLAIM": _("Scarcity claim against stock"),
    # the self-inspection's price and data-handling checks (``compliance.problems``)
    "PRICE56-16-REFERENCE-LIVE": _("Reference price above the 7-day low"),
    "PRICE56-17-RAISE-THEN-DISCOUNT": _("Price raised before a discount"),
    "PIPL17-POLICY-MISSING": _("No privacy policy published"),
    "PIPL17-POLICY-STALE": _("Privacy policy not reviewed for a year"),
    "PIPL17-RETENTION-UNDECLARED": _("Purpose without a retention period"),
    "PIPL6-PURPOSE-MISSING": _("Personal field without a purpose"),
    "PIPL50-DSR-OVERDUE": _("Data-subject request overdue"),
    "PIPL19-RETENTION-OVERDUE": _("Data kept past its retention period"),
    "PIPL14-CONSENT-MISSING": _("Data kept without consent"),
    "PIPL51-ACCESS-ROLE": _("Personal data exported or revealed by a role not allowed to"),
    "PIPL6-EXPORT-PURPOSE": _("Bulk export of personal data without a purpose"),
}

# the self-inspection (R7.1.2, R7.3.2): the same words as the choices in ``compliance.models``
AREA: dict[str, Any] = {
    "listing": _("Listings"),
    "promotion": _("Promotions"),
    "coupon": _("Coupons"),
    "reply_template": _("Reply templates"),
    "store_name": _("Store names"),
    "store_notice": _("Store announcements"),
    "review_reply": _("Replies to reviews"),
    "price": _("Prices"),
    "data": _("Data handling"),
}
INSPECTION_STATUS: dict[str, Any] = {
    "running": _("Running"),
    "done": _("Finished"),
    "failed": _("Failed"),
    "signed": _("Signed off"),
}
SEVERITY: dict[str, Any] = {"block": _("Must be fixed"), "review": _("To review")}
REMEDIATION: dict[str, Any] = {
    "none": _("No task yet"),
    "open": _("Task open"),
    "closed": _("Task closed"),
    "accepted": _("Accepted"),
}

LABELS: dict[str, Any] = {
    "rule": RULE,
    "area": AREA,
    "inspection_status": INSPECTION_STATUS,
    "severity": SEVERITY,
    "remediation": REMEDIATION,
}

FIELDS: dict[str, Any] = {"reason": _("Reason"), "note": _("Note")}
