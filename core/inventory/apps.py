from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "core.inventory"
    label = "inventory"
    verbose_name = "Inventory"
