"""Typical sales models (типовые модели сбыта) and the action plans of deals.

A model is an ordered list of steps; applying it to a deal creates the deal's plan:
one step per model step, each with a task for a member of staff of any department,
a deadline counted from the day the plan starts, and a status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SalesModel(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    pipeline = models.ForeignKey(
        "sales.Pipeline",
        verbose_name=_("pipeline"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_models",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set when the model was proposed from won deals ("derive a model").
    derived_from_deals = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("sales model")
        verbose_name_plural = _("sales models")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:sales-model-detail", args=[self.pk])


class SalesModelStep(models.Model):
    model = models.ForeignKey(
        SalesModel, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("step"), max_length=300)
    description = models.TextField(_("what to do"), blank=True)
    # Who does it: a role (the deal's owner when they have it, else the first active
    # user with it, preferring the owner's team) or a department (its head).
    responsible_role = models.CharField(
        _("responsible role"), max_length=20, blank=True
    )
    responsible_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    offset_days = models.PositiveIntegerField(_("deadline, days from start"), default=0)
    is_required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["model", "position", "id"]
        verbose_name = _("model step")
        verbose_name_plural = _("model steps")

    def __str__(self) -> str:
        return self.title


class PlanStepStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class DealPlanStep(models.Model):
    """A step of a deal's action plan, from a model or added by hand."""

    deal = models.ForeignKey(
        "sales.Deal", on_delete=models.CASCADE, related_name="plan_steps"
    )
    model_step = models.ForeignKey(
        SalesModelStep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("step"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="plan_steps",
    )
    due_date = models.DateField(_("deadline"))
    # The day the plan (or this hand-added step) started: the deadline counts from it,
    # and "derive a model" measures how long won deals took from it to each step.
    started_on = models.DateField(_("plan start"), null=True, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PlanStepStatus.choices,
        default=PlanStepStatus.PLANNED,
    )
    task = models.OneToOneField(
        "activities.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_step",
    )
    completed_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deal", "position", "id"]
        verbose_name = _("plan step")
        verbose_name_plural = _("action plan")
        indexes = [
            models.Index(fields=["status", "due_date"], name="plan_step_due_idx"),
            models.Index(
                fields=["responsible", "status"], name="plan_step_responsible_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (PlanStepStatus.PLANNED, PlanStepStatus.IN_PROGRESS)
