"""The one fixture base of our tests (mes_shopfloor's and mes_costing's bases
are built on it): what every addon's tests do to set a plant up."""

from odoo.fields import Command
from odoo.tests.common import TransactionCase, new_test_user


class MesCase(TransactionCase):
    """Helpers shared by the tests of the three addons: users, products,
    stock, and buying (confirm a purchase, receive it, with a lot)."""

    @classmethod
    def _mes_user(cls, login, groups, **vals):
        """An internal user of the current company in ``groups`` (xml ids,
        comma-separated as for ``new_test_user``)."""
        return new_test_user(cls.env, login=login, groups=groups, **vals)

    @classmethod
    def _mes_product(cls, name, **vals):
        return cls.env["product.product"].create(
            {"name": name, "is_storable": True, **vals}
        )

    @classmethod
    def _mes_stock(cls, product, location, qty, lot=None):
        cls.env["stock.quant"]._update_available_quantity(
            product, location, qty, lot_id=lot
        )

    @classmethod
    def _mes_purchase(
        cls,
        vendor,
        product,
        qty,
        price=None,
        currency=None,
        confirm=True,
        **line_vals,
    ):
        """A purchase order of one line (at Odoo's price when ``price`` is
        None), confirmed unless ``confirm`` is False: its receipt is then in
        transit."""
        order = cls.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                **({"currency_id": currency.id} if currency else {}),
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            **({} if price is None else {"price_unit": price}),
                            **line_vals,
                        }
                    )
                ],
            }
        )
        if confirm:
            order.button_confirm()
        return order

    @classmethod
    def _mes_receive(cls, order, lot_name=None, user=None):
        """Validate the whole receipt of ``order`` (as ``user``), the goods
        in a new lot ``lot_name`` when given."""
        receipt = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        if user:
            receipt = receipt.with_user(user)
        if lot_name:
            moves = receipt.move_ids
            moves.move_line_ids.unlink()
            moves.move_line_ids = [
                Command.create(
                    {
                        "product_id": move.product_id.id,
                        "lot_name": lot_name,
                        "quantity": move.product_uom_qty,
                        "product_uom_id": move.product_uom.id,
                        "location_id": receipt.location_id.id,
                        "location_dest_id": receipt.location_dest_id.id,
                    }
                )
                for move in moves
            ]
        receipt.move_ids.picked = True
        receipt.button_validate()
        return receipt

    @classmethod
    def _mes_buy_and_receive(
        cls, vendor, product, qty, price, lot_name=None, currency=None, user=None
    ):
        """Buy ``qty`` of ``product`` at ``price`` and receive it (in lot
        ``lot_name``): the purchase order."""
        order = cls._mes_purchase(vendor, product, qty, price, currency=currency)
        cls._mes_receive(order, lot_name=lot_name, user=user)
        return order
