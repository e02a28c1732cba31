"""What other apps may import from the privacy app besides its selectors: the purpose codes that code binds
to. A purpose only binds when the current privacy policy declares it (``PrivacyPolicy.purposes``); the
policy says whether it rests on consent (PIPL Art. 13(1)) or on another legal basis."""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    """Purpose codes that processing in the code is tied to (the policy's ``purposes[].code``)."""

    # behaviour analysis: analytics events linked to a buyer (R3.1.2)
    ANALYTICS = "analytics"
    # personalised marketing: segment campaigns, coupon issues to segments
    MARKETING = "marketing"
    # personalised search and recommendation results on the storefront: the E-Commerce Law Art. 18 switch
    # (withdrawn or never granted: results use no personal profile)
    PERSONALISATION = "personalisation"
