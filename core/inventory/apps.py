from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "core.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        from core.inventory.digest import low_stock_section
        from core.notifications.digest import register_digest_section

        register_digest_section("low_stock", low_stock_section)
