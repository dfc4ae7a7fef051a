from odoo.addons.mes_inventory_mrp.tests.common_i18n import switch_admin_to_chinese
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestShopfloorChinese(TransactionCase):
    """The Kitting Board and the shop-floor screens in Simplified Chinese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.zh = switch_admin_to_chinese(
            cls.env, ["mrp.group_mrp_user", "mes_shopfloor.group_shopfloor_user"]
        )

    def test_kitting_board(self):
        zh = self.zh
        self.assertEqual(zh.lang, "zh_CN")
        self.assertEqual(
            zh.ref("mes_shopfloor.menu_mes_kitting_board").name, "齐套看板"
        )
        board = zh.ref("mes_shopfloor.action_mes_kitting_board")
        self.assertEqual(board.name, "齐套看板")
        self.assertIn("没有待齐套的未完成制造订单", board.help)
        self.assertIn("还没有齐套状态", board.help)
        views = zh["mrp.production"].get_views(
            [(zh.ref("mes_shopfloor.mrp_production_kanban_mes_kitting").id, "kanban")]
        )
        field = views["models"]["mrp.production"]["fields"]["mes_kitting_state"]
        self.assertEqual(field["string"], "齐套")
        self.assertEqual(
            field["selection"],
            [("kitted", "已齐套"), ("partial", "部分齐套"), ("not_kitted", "未齐套")],
        )
        search = zh["mrp.production"].get_views([(False, "search")])
        self.assertIn('string="齐套：按工作中心"', search["views"]["search"]["arch"])

    def test_shopfloor_menus_and_labels(self):
        zh = self.zh
        self.assertEqual(
            zh.ref("mes_shopfloor.menu_mes_urgent_transfer").name, "紧急调拨"
        )
        self.assertEqual(zh.ref("mes_shopfloor.menu_mes_stock_view").name, "各仓库库存")
        fields = zh["mes.urgent.transfer"].fields_get(["reason"])
        self.assertEqual(fields["reason"]["string"], "原因")
        help_html = zh.ref("mes_shopfloor.action_mes_urgent_transfer_report").help
        self.assertIn("还没有已收货的紧急调拨", help_html)
