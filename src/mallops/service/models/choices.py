"""The choices customer-service rows share (channel, category, priority, status, SLA target, complaint
severity)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CHAT = "chat", _("Chat")
    APP = "app", _("App")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class Category(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    LOGISTICS = "logistics", _("Logistics")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    TECHNICAL = "technical", _("Technical support")
    MAJOR_FAULT = "major_fault", _("Major fault")
    RETURN = "return", _("Returns and refunds")
    ORDER_QUERY = "order_query", _("Order query")


class Priority(models.TextChoices):
    LOW = "low", _("Low priority")
    NORMAL = "normal", _("Normal priority")
    HIGH = "high", _("High priority")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New ticket")
    OPEN = "open", _("Open")
    WAITING = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Target(models.TextChoices):
    """What an SLA clock measures."""

    FIRST_RESPONSE = "first_response", "first response"
    INITIAL_ANSWER = "initial_answer", "initial answer (complex issue)"
    RESOLUTION = "resolution", "resolution"
    FOLLOW_UP = "follow_up", "follow-up visit"


class ComplaintSeverity(models.TextChoices):
    """How serious a complaint is, for choosing who in management receives it (R5.2.4)."""

    SERIOUS = "serious", _("Serious complaint")
    URGENT = "urgent", _("Urgent complaint")
