from datetime import datetime

from odoo.tests import tagged

from .common import ShopfloorCommon


@tagged("post_install", "-at_install")
class TestStockView(ShopfloorCommon):
    def _rows(self, product):
        rows = self.env["mes.stock.view"].search([("product_id", "=", product.id)])
        return {
            (r.warehouse_id.code, r.location_role, r.state): r.quantity for r in rows
        }

    def test_states_roles_and_warehouses(self):
        self.housing.tracking = "lot"
        expired_lot, good_lot = self.env["stock.lot"].create(
            [
                {
                    "name": "OLD",
                    "product_id": self.housing.id,
                    "expiration_date": datetime(2001, 1, 1),
                },
                {"name": "NEW", "product_id": self.housing.id},
            ]
        )
        quant = self.env["stock.quant"]
        quant._update_available_quantity(
            self.housing, self.central.lot_stock_id, 4, lot_id=expired_lot
        )
        quant._update_available_quantity(
            self.housing, self.central.lot_stock_id, 20, lot_id=good_lot
        )
        quant._update_available_quantity(self.housing, self.line_a, 3, lot_id=good_lot)
        quant._update_available_quantity(
            self.housing, self.shop.lot_stock_id, 6, lot_id=good_lot
        )
        quant._update_available_quantity(self.housing, self.line_a, 5, lot_id=good_lot)
        quant._update_reserved_quantity(self.housing, self.line_a, 2, lot_id=good_lot)
        vendor = self.env["res.partner"].create({"name": "Vendor"})
        self._mes_purchase(vendor, self.housing, 12)
        wh = self.central.code
        self.assertEqual(
            self._rows(self.housing),
            {
                (wh, "central", "expired"): 4.0,
                (wh, "central", "available"): 20.0,
                ("SF", "line_side", "available"): 6.0,
                ("SF", "line_side", "reserved"): 2.0,
                ("SF", "shop_floor", "available"): 6.0,
                (wh, "central", "in_transit_vendor"): 12.0,
            },
        )

    def test_other_company_stock_is_hidden(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        other_wh = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        self.seal.company_id = False
        self._stock(self.seal, other_wh.lot_stock_id, 9)
        self._stock(self.seal, self.central.lot_stock_id, 1)
        user = self.shopfloor_user
        rows = (
            self.env["mes.stock.view"]
            .with_user(user)
            .search([("product_id", "=", self.seal.id)])
        )
        self.assertEqual(rows.warehouse_id, self.central)
        self.assertEqual(rows.quantity, 1.0)
