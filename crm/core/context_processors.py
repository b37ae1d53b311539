from django.conf import settings

from crm.core.models import Notification
from crm.core.registry import nav_items


def crm(request):
    """Navigation, unread notifications and languages for the base template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"language_choices": settings.LANGUAGES}
    items = nav_items(request)
    more = [item for item in items if item["more"]]
    return {
        "nav_items": items,
        "nav_more": more,
        "nav_more_active": any(item["active"] for item in more),
        "unread_notifications": Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count(),
        "language_choices": [("en", "English"), ("ru", "Русский")],
    }
