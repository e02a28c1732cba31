"""The WSGI application served in production (``mallops serve``).

``application`` is Django behind the flash-sale fast path (``mallops.orders.fastpath``), which answers
``POST /api/v1/flash-sales/{id}/attempts`` itself and hands every other request to Django;
``django_application`` is Django alone.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
django_application = get_wsgi_application()

from mallops.orders.fastpath import FlashFastPath  # noqa: E402  (needs the settings above)

application = FlashFastPath(django_application)
