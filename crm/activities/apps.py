from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _panel(kind: str, entity: str):
    """A card panel's context function that imports the views only when called."""

    def context(request, obj):
        from crm.activities import views

        if kind == "main":
            return views.main_panel_context(request, entity, obj)
        return views.side_panel_context(request, entity, obj)

    return context


def _profile_calendar(request, user):
    from crm.activities.views.calendar import profile_panel_context

    return profile_panel_context(request, user)


def _task_export(actor, params):
    from crm.activities.views.tasks import task_listing

    return task_listing(actor, params)[:2]


class ActivitiesConfig(AppConfig):
    name = "crm.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from crm.core.exports import register_export
        from crm.core.registry import CardPanel, NavItem, register_nav, register_panel

        register_export(
            "activities.tasks",
            _task_export,
            url_name="activities:task-list",
        )

        register_nav(
            NavItem(
                key="my-day",
                label=_("My day"),
                url_name="activities:my-day",
                icon="sun",
                order=5,
            )
        )
        register_nav(
            NavItem(
                key="tasks",
                label=_("Tasks"),
                url_name="activities:task-list",
                icon="check2-square",
                order=40,
            )
        )
        register_panel(
            "profile",
            CardPanel(
                key="activities-calendar",
                template="activities/panels/profile_calendar.html",
                context=_profile_calendar,
                order=50,
                column="main",
            ),
        )
        for entity in ("company", "contact"):
            register_panel(
                entity,
                CardPanel(
                    key="activities-timeline",
                    template="activities/panels/card_main.html",
                    context=_panel("main", entity),
                    order=50,
                    column="main",
                ),
            )
            register_panel(
                entity,
                CardPanel(
                    key="activities-tasks",
                    template="activities/panels/card_tasks.html",
                    context=_panel("side", entity),
                    order=20,
                    column="side",
                ),
            )
