"""Words the console shows for marketing codes (``{{ value|label:"marketing.kind" }}``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mallops.marketing.errors import MarketingCode
from mallops.marketing.models import Action, Campaign, Channel, StrategyRun

# the services' field-error messages, so the console shows them in Chinese (``core.words.error_lines``)
MESSAGES = (
    gettext_noop("Unknown channel."),
    gettext_noop("Not a date (YYYY-MM-DD)."),
    gettext_noop("Not an amount in yuan."),
    gettext_noop("Spend cannot be negative."),
    gettext_noop("Spend is implausibly large."),
    gettext_noop("This channel and day appear twice."),
    gettext_noop("Expected 3 columns."),
    gettext_noop("The first row must be: channel,day,amount_yuan."),
    gettext_noop("Unknown channel kind."),
    gettext_noop("Choose a segment, a tier or tags for the audience."),
    gettext_noop("Choose a segment or a tier."),
    gettext_noop("Unknown segment."),
    gettext_noop("Unknown membership tier."),
    gettext_noop("Unknown platform coupon batch."),
    gettext_noop("Unknown platform promotion."),
    gettext_noop("Unknown offer kind."),
    gettext_noop("Unknown strategy action."),
    gettext_noop("Choose a social or search channel."),
    gettext_noop("The end must be after the start."),
    gettext_noop("Between 0 and 50."),
    gettext_noop("Between 1 and 90."),
    gettext_noop("Cannot be negative."),
    gettext_noop("At most 500 characters."),
    gettext_noop("1 to 30 characters."),
    gettext_noop("Give 1 to 1000 buyer usernames."),
    gettext_noop("must be true"),
)

LABELS: dict[str, Any] = {
    "kind": Channel.Kind,
    "model": {"last_touch": _("Last touch"), "first_touch": _("First touch")},
    "action": Action,
    "campaign_status": Campaign.Status,
    "offer_kind": Campaign.OfferKind,
    "trigger": StrategyRun.Trigger,
    "segment": {
        "high_value": _("High value"),
        "potential": _("Potential"),
        "at_risk": _("At risk"),
        "churned": _("Churned"),
        "regular": _("Regular"),
    },
    # what a strategy run or a campaign did for one buyer
    "outcome": {
        "task_opened": _("Care task opened"),
        "task_already_open": _("A care task is already open"),
        "listed": _("In the retargeting list"),
        "coupon_issued": _("Coupon issued"),
        "delivered": _("Delivered"),
        "holdout": _("Holdout"),
        "no_marketing_consent": _("No marketing consent"),
        "coupon_limit_reached": _("Already holds this coupon"),
        "coupon_batch_exhausted": _("Coupons used up"),
        "coupon_batch_ended": _("Coupon batch ended"),
        "coupon_batch_cancelled": _("Coupon batch cancelled"),
        "not_a_buyer": _("Not a buyer"),
    },
    "finding_field": {"message": _("Message"), "offer": _("Offer text")},
    "severity": {"block": _("Blocks publication"), "review": _("Needs the approver's acknowledgement")},
    # problem codes as the console names them (a refused step)
    "problem": {code.value: _(code.en) for code in MarketingCode}
    | {
        "permission_denied": _("You may not do this."),
        "unauthenticated": _("You may not do this."),
        "validation_error": _("Please correct the errors below."),
    },
}

# audit actions of this app (``core.words.action_label``)
ACTIONS: dict[str, Any] = {
    "marketing.channel.create": _("Marketing channel created"),
    "marketing.spend.set": _("Marketing spend recorded"),
    "marketing.buyer_tag.add": _("Buyers tagged"),
    "marketing.buyer_tag.remove": _("Buyer tag taken away"),
    "marketing.buyer_tag.rename": _("Buyer tag renamed"),
    "marketing.message_read": _("Campaign message read"),
    "marketing.strategy.create": _("Tier strategy created"),
    "marketing.strategy.run": _("Tier strategy run"),
    "marketing.campaign.create": _("Campaign created"),
    "marketing.campaign.approve": _("Campaign approved"),
    "marketing.campaign.launch": _("Campaign launched"),
    "marketing.campaign.start": _("Campaign started"),
    "marketing.campaign.deliver": _("Campaign delivered"),
    "marketing.campaign.finish": _("Campaign finished"),
}

FIELDS: dict[str, Any] = {
    "code": _("Channel code"),
    "name": _("Channel name"),
    "kind": _("Channel kind"),
    "utm_source": _("UTM source"),
    "amount_fen": _("Marketing spend"),
    "amount_yuan": _("Marketing spend"),
    "day": _("Spend day"),
    "channel": _("Marketing channel"),
    "file": _("Spend file"),
    "segment": _("Buyer segment"),
    "tier_code": _("Membership tier"),
    "tags": _("Buyer tags"),
    "tag": _("Buyer tag"),
    "usernames": _("Buyers"),
    "offer_kind": _("Offer"),
    "coupon_batch_id": _("Coupon batch"),
    "promotion_id": _("Promotion"),
    "message": _("Message"),
    "offer": _("Offer text"),
    "channel_id": _("Marketing channel"),
    "starts_at": _("Starts at"),
    "ends_at": _("Ends at"),
    "holdout_percent": _("Holdout (%)"),
    "measure_days": _("Measured over (days)"),
    "message_cost_fen": _("Cost per message"),
    "acknowledge_findings": _("Acknowledge the compliance findings"),
    "action": _("Strategy action"),
    "status": _("Status"),
    "findings": _("Compliance findings"),
    "matched": _("Matched buyers"),
    "no_consent": _("Without marketing consent"),
    "held_out": _("Holdout"),
    "holdout": _("Holdout"),
    "acted": _("Acted on"),
    "skipped": _("Skipped"),
    "delivered": _("Delivered"),
    "refused": _("Refused"),
    "strategy": _("Tier strategy"),
}
