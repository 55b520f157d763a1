"""Default groups per role and the permissions each starts with.

Admins hold every permission through their role. Support staff get what the
front desk needs; admins can add further groups and permissions per person in
the admin. Each app's data migration calls ``sync_role_groups`` after adding
its models, so the groups grow with the domain.
"""

ROLE_GROUPS = {
    "ADMIN": "Admins",
    "SUPPORT": "Support staff",
    "TRAINER": "Trainers",
    "MEMBER": "Members",
}

# "app_label.codename" granted to each role's group. Permissions of models
# that do not exist yet are skipped and granted when their app migrates.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "ADMIN": [],
    "SUPPORT": [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "notifications.view_message",
        "notifications.change_message",
        "members.view_member",
        "members.add_member",
        "members.change_member",
        "members.view_healthflag",
        "memberships.view_plan",
        "memberships.view_facility",
        "memberships.view_membership",
        "memberships.add_membership",
        "memberships.change_membership",
        "memberships.view_membershipfreeze",
        "memberships.add_membershipfreeze",
        "memberships.change_membershipfreeze",
        # Classes: the front desk books members in, cancels and marks attendance; admins plan classes.
        "classes.view_room",
        "classes.view_classtag",
        "classes.view_classtype",
        "classes.view_classschedule",
        "classes.view_classsession",
        "classes.view_booking",
        "classes.add_booking",
        "classes.change_booking",
        # Door device: the desk sees check-ins and devices, and checks members in by hand.
        "attendance.view_checkin",
        "attendance.add_checkin",
        "devices.view_device",
        "devices.view_punch",
        # Inventory: the desk sells, receives deliveries, writes off damage and counts stock;
        # admins keep the catalogue (products, SKUs, prices) and import it.
        "inventory.view_product",
        "inventory.view_sku",
        "inventory.view_stockmovement",
        "inventory.sell_sku",
        "inventory.move_stock",
        "inventory.take_stock",
        # Leads and support: the desk works the application inbox (and converts leads into
        # members) and answers members' tickets.
        "leads.view_lead",
        "leads.change_lead",
        "leads.view_leadnote",
        "leads.add_leadnote",
        "support.view_ticket",
        "support.change_ticket",
        "support.view_ticketreply",
        "support.add_ticketreply",
        # Billing: the desk sees invoices and payments, takes payments and issues invoices (class
        # packs, one-off charges); voids, corrections and refunds are for admins.
        "billing.view_invoice",
        "billing.add_invoice",
        "billing.view_payment",
        "billing.add_payment",
        "billing.view_classpack",
        "billing.view_classcredit",
        # Staff and programs: the desk sees trainers (never their hourly rate: admins only),
        # certifications, leave requests and members' programs; admins decide leave and pay.
        "staff.view_trainer",
        "staff.view_certification",
        "staff.view_leaverequest",
        "programs.view_workoutprogram",
        "programs.view_dietplan",
    ],
    "TRAINER": [],
    "MEMBER": [],
}


def sync_role_groups(apps=None) -> None:
    """Create the role groups and grant the default permissions (idempotent)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure the
    # ones for already-migrated apps exist now.
    for app_config in apps.get_app_configs():
        # Migration state apps have no models_module, and create_permissions
        # skips such apps; restore it after, so the real registry is untouched.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, group_name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = ROLE_PERMISSIONS[role]
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                group.permissions.add(perm)
