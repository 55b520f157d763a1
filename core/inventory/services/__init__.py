"""Inventory services, by topic: stock (stock_move, stock_take), sales
(sale_create), catalogue imports live in core.inventory.importing."""
