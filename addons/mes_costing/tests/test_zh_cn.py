from datetime import timedelta

from odoo.addons.mes_inventory_mrp.tests.common_i18n import switch_admin_to_chinese
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import MesCostingCommon


@tagged("post_install", "-at_install")
class TestChinese(MesCostingCommon):
    """The demo plant in Simplified Chinese: zh_CN loaded from our i18n files,
    the administrator switched to it, our screens, a refusal and the cost-sheet
    report speak Chinese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.zh = switch_admin_to_chinese(
            cls.env,
            [
                "mes_costing.group_cost_accountant",
                "mes_inventory_mrp.group_mrp_planner",
                "mes_inventory_mrp.group_quality_inspector",
            ],
        )
        cls.admin = cls.zh.user
        cls._receive(cls.comp_a, 6, 9.0, "ZH1")
        cls._receive(cls.comp_b, 20, 4.0)
        cls.mo = cls._make_mo(
            2,
            [(cls._lot(cls.comp_a, "ZH1"), 4)],
            6,
            60,
            [(cls.emp1, cls.today - timedelta(days=1), 1.0)],
        )
        cls.sheet = cls.mo.mes_cost_sheet_ids

    def test_admin_speaks_chinese(self):
        self.assertEqual(self.zh.lang, "zh_CN")
        self.assertEqual(self.zh.user, self.admin)

    def test_menus_and_actions(self):
        zh = self.zh
        self.assertEqual(
            zh.ref("mes_inventory_mrp.menu_mes_purchase_suggestion").name, "采购建议"
        )
        rollup = zh.ref("mes_costing.mes_cost_rollup_action")
        self.assertEqual(rollup.name, "成本汇总")
        self.assertIn("还没有可分析的成本", rollup.help)
        self.assertIn("o_view_nocontent_smiling_face", rollup.help)
        buy = zh.ref("mes_inventory_mrp.action_mes_purchase_suggestion")
        self.assertIn("无需采购", buy.help)

    def test_field_labels_and_selections(self):
        zh = self.zh
        quality = zh["stock.lot"].fields_get(["mes_quality_state"])["mes_quality_state"]
        self.assertEqual(quality["string"], "质检状态")
        self.assertEqual(
            dict(quality["selection"]),
            {
                "pending": "待检",
                "released": "合格",
                "quarantine": "隔离",
                "rejected": "不合格",
            },
        )
        sheet_fields = zh["mes.cost.sheet"].fields_get(
            ["material_price_variance", "labor_actual"]
        )
        self.assertEqual(
            sheet_fields["material_price_variance"]["string"], "物料价格差异"
        )
        self.assertEqual(sheet_fields["labor_actual"]["string"], "实际人工")

    def test_views(self):
        zh = self.zh
        suggestions = zh["mes.mrp.suggestion"].get_views(
            [
                (
                    zh.ref("mes_inventory_mrp.mes_purchase_suggestion_view_list").id,
                    "list",
                ),
                (
                    zh.ref("mes_inventory_mrp.mes_purchase_suggestion_view_search").id,
                    "search",
                ),
            ]
        )
        list_arch = suggestions["views"]["list"]["arch"]
        self.assertIn('string="生成询价单"', list_arch)
        self.assertIn('string="比较供应商"', list_arch)
        self.assertNotIn("Create RFQs", list_arch)
        self.assertIn('string="本周待订购"', suggestions["views"]["search"]["arch"])
        lot_form = zh["stock.lot"].get_views([(False, "form")])["views"]["form"]["arch"]
        for label in ("放行", "隔离", "判不合格", "退回检验"):
            self.assertIn(f'string="{label}"', lot_form)

    def test_user_error_in_chinese(self):
        """A real refusal, its placeholders filled, still naming the record and
        the fix."""
        open_mo = self.env["mrp.production"].create(
            {"product_id": self.finished.id, "bom_id": self.bom.id, "product_qty": 1}
        )
        open_mo.action_confirm()
        sheet = open_mo._mes_cost_sheet()
        with self.assertRaises(UserError) as caught:
            sheet.with_env(self.zh).action_post()
        self.assertEqual(
            caught.exception.args[0],
            f"制造订单 {open_mo.name} 未完成：请先关闭再过账其成本。",
        )
        # the refusal of a user outside the group, with the nested "what"
        planner = self.env["res.users"].create(
            {
                "name": "计划员",
                "login": "mes_zh_planner",
                "lang": "zh_CN",
                "group_ids": [Command.link(self.env.ref("mrp.group_mrp_user").id)],
            }
        )
        group = self.env.ref("mes_costing.group_cost_accountant").with_env(self.zh)
        with self.assertRaises(AccessError) as caught:
            self.sheet.with_user(planner).with_context(lang="zh_CN").action_post()
        self.assertEqual(
            caught.exception.args[0],
            f"只有 {group.full_name} 权限组的用户才能过账成本单。",
        )

    def test_cost_sheet_report_in_chinese(self):
        html, _fmt = (
            self.zh["ir.actions.report"]
            .with_context(lang="zh_CN")
            ._render_qweb_html("mes_costing.report_mes_cost_sheet", self.sheet.ids)
        )
        html = html.decode()
        for text in (
            "成本单",
            "<strong>产量：</strong>",
            "<strong>日期：</strong>",
            "单位成本",
            "物料价格",
            "人工效率",
            "差异",
            self.mo.name,
        ):
            self.assertIn(text, html)
        for text in ("Cost per unit", "Variances", "Material price"):
            self.assertNotIn(text, html)
