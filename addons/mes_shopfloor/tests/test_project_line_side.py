from odoo.tests import Form, tagged

from .common import ShopfloorCommon


@tagged("post_install", "-at_install")
class TestProjectLineSide(ShopfloorCommon):
    """A project's MO picks the project's stock to the line side and returns
    its surplus to the project's location."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.env["project.project"].create(
            {"name": "Dam Turbines", "mes_hold_stock": True}
        )
        cls.project_loc = cls.project._mes_stock_location(cls.central)

    def _project_mo(self, qty, project):
        mo = self._mo(self.bom, qty, confirm=False)
        mo.project_id = project
        mo.action_confirm()
        return mo

    def test_pick_and_surplus_return_keep_the_project(self):
        self.company.mes_auto_validate_returns = True
        self._stock(self.housing, self.project_loc, 10)
        self._stock(self.housing, self.central.lot_stock_id, 100)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        mo = self._project_mo(5, self.project)
        pick = mo.mes_pick_picking_ids
        self.assertEqual(pick.project_id, self.project)
        self.assertEqual(pick.state, "assigned")
        # The project's own housings first; seals from free stock (allowed).
        lines = {ml.product_id: ml for ml in pick.move_line_ids}
        self.assertEqual(lines[self.housing].location_id, self.project_loc)
        self.assertEqual(lines[self.housing].quantity, 10.0)
        self.assertEqual(lines[self.seal].location_id, self.central.lot_stock_id)
        self._validate(pick)
        self.assertEqual(self._qty(self.housing, self.project_loc), 0.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 10.0)
        mo.action_assign()
        form = Form(mo)
        form.qty_producing = 5
        mo = form.save()
        mo.move_raw_ids.filtered(lambda m: m.product_id == self.housing).quantity = 8.0
        mo.move_raw_ids.picked = True
        mo.button_mark_done()
        ret = mo.mes_return_picking_ids
        self.assertEqual(ret.state, "done")
        self.assertEqual(ret.project_id, self.project)
        self.assertEqual(ret.location_dest_id, self.project_loc)
        self.assertEqual(ret.move_ids.quantity, 2.0)
        # The surplus is the project's again; free stock untouched.
        self.assertEqual(self._qty(self.housing, self.project_loc), 2.0)
        self.assertEqual(self._qty(self.housing, self.central.lot_stock_id), 100.0)
        self.assertEqual(self._qty(self.housing, self.line_a), 0.0)

    def test_other_mo_does_not_pick_project_stock_and_view_shows_project(self):
        self._stock(self.housing, self.project_loc, 10)
        self._stock(self.seal, self.central.lot_stock_id, 50)
        mo = self._mo(self.bom, 5)
        pick = mo.mes_pick_picking_ids
        self.assertFalse(pick.project_id)
        housing_move = pick.move_ids.filtered(lambda m: m.product_id == self.housing)
        self.assertEqual(housing_move.quantity, 0.0)
        self.env.flush_all()
        rows = self.env["mes.stock.view"].search(
            [("product_id", "=", self.housing.id), ("state", "=", "available")]
        )
        self.assertEqual(
            [(r.location_id, r.project_id, r.quantity) for r in rows],
            [(self.project_loc, self.project, 10.0)],
        )
        # Kitting: a project MO counts its project's stock at the line side.
        self.assertEqual(mo.mes_kitting_state, "not_kitted")
