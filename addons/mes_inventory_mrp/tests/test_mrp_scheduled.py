from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .mrp_common import MrpCase, day


@tagged("post_install", "-at_install")
class TestMrpScheduledPlanning(MrpCase):
    """The scheduled action plans every due group, one group per transaction.

    Now: Monday 2030-03-04 10:00 UTC; the company's time zone is UTC unless a
    test says otherwise.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "UTC"
        cls.cron = cls.env.ref("mes_inventory_mrp.ir_cron_mes_mrp_auto_run")
        cls.late_group = cls._group("Evening", "EVE", 20)
        cls.failing_group = cls._group("Failing", "FAI", 1)
        cls.group.sequence = 5
        cls.part = cls._product("Scheduled part")
        cls._seller(cls.part)

    @classmethod
    def _group(cls, name, code, sequence):
        """A warehouse in a planning group of its own."""
        warehouse = cls.env["stock.warehouse"].create({"name": name, "code": code})
        # A new warehouse joins the company's pool: move it to its own group.
        cls.group.warehouse_ids = [Command.unlink(warehouse.id)]
        return cls.env["mes.mrp.planning.group"].create(
            {
                "name": "%s pool" % name,
                "sequence": sequence,
                "warehouse_ids": [Command.set(warehouse.ids)],
                "warehouse_id": warehouse.id,
            }
        )

    def _set_auto_run(self, group, hour):
        with Form(group.with_user(self.env.ref("base.user_admin"))) as group_form:
            group_form.auto_run = True
            group_form.auto_run_hour = hour

    def _runs(self, group):
        return self.env["mes.mrp.run"].search(
            [("planning_group_id", "=", group.id)], order="id"
        )

    def test_plans_due_groups_skips_others_survives_a_failure(self):
        self._delivery(self.part, 5.0, 4)
        self._set_auto_run(self.group, 9)  # due: 9:00 has passed
        self._set_auto_run(self.late_group, 18)  # not yet today
        self._set_auto_run(self.failing_group, 0)  # due, but fails
        Run = type(self.env["mes.mrp.run"])
        load = Run._load_inputs
        failing = self.failing_group

        def broken_load(run):
            if run.planning_group_id == failing:
                raise RuntimeError("Disk quota exceeded")
            return load(run)

        with (
            patch.object(Run, "_load_inputs", broken_load),
            mute_logger("odoo.addons.mes_inventory_mrp.models.mes_mrp_planning_group"),
        ):
            self.env["mes.mrp.planning.group"]._cron_auto_run()

        # The due group is planned, recorded as scheduled, in the company's day.
        run = self._runs(self.group)
        self.assertRecordValues(
            run,
            [
                {
                    "trigger": "scheduled",
                    "state": "done",
                    "run_date": day(0),
                    "progress": 100.0,
                    "suggestion_count": 1,
                }
            ],
        )
        self.assertEqual(
            self._rows(self._suggestions(self.part), ("run_id", "product_qty")),
            [(run, 5.0)],
        )
        self.assertEqual(self.group.auto_run_last_date, day(0))
        # The group whose hour has not come is left alone.
        self.assertFalse(self._runs(self.late_group))
        self.assertFalse(self.late_group.auto_run_last_date)
        # The failing group: its run says why, its planners get an activity.
        failed = self._runs(failing)
        self.assertRecordValues(
            failed,
            [
                {
                    "trigger": "scheduled",
                    "state": "failed",
                    "error_message": "Disk quota exceeded",
                }
            ],
        )
        activities = failing.activity_ids
        self.assertIn(self.planner, activities.user_id)
        self.assertIn(failed.display_name, activities[0].note)
        self.assertIn("Disk quota exceeded", activities[0].note)
        self.assertFalse(self.group.activity_ids)

        # Once a day: the next call finds nothing due.
        self.env["mes.mrp.planning.group"]._cron_auto_run()
        self.assertEqual(len(self._runs(self.group)), 1)
        self.assertEqual(len(self._runs(failing)), 1)

    def test_hour_in_company_time_zone(self):
        # 10:00 UTC is 19:00 in Tokyo: a group due at 18:00 there runs.
        self.company.partner_id.tz = "Asia/Tokyo"
        self._set_auto_run(self.late_group, 18)
        self._set_auto_run(self.group, 20)
        self.env["mes.mrp.planning.group"]._cron_auto_run()
        self.assertEqual(self._runs(self.late_group).trigger, "scheduled")
        self.assertEqual(self._runs(self.late_group).run_date, day(0))
        self.assertFalse(self._runs(self.group))

    def test_manual_runs_and_bom_loop(self):
        manual = self._run()
        self.assertEqual(manual.trigger, "manual")
        chair = self._product("Loop chair", make=True)
        seat = self._product("Loop seat", make=True)
        leg = self._product("Loop leg")
        self._bom(chair, [(seat, 1.0)])
        seat_bom = self._bom(seat, [(leg, 1.0)])
        # Odoo refuses a cycle in the UI; imported data can still hold one.
        self.env.cr.execute(
            "UPDATE mrp_bom_line SET product_id = %s WHERE bom_id = %s",
            (chair.id, seat_bom.id),
        )
        self.env.invalidate_all()
        self._delivery(chair, 1.0, 3)
        self._set_auto_run(self.group, 0)
        self.env["mes.mrp.planning.group"]._cron_auto_run()
        run = self._runs(self.group)[-1]
        self.assertEqual((run.trigger, run.state), ("scheduled", "failed"))
        self.assertIn("loop", run.error_message)
        self.assertIn(self.planner, self.group.activity_ids.user_id)

    def test_busy_group_waits(self):
        self._set_auto_run(self.group, 0)
        busy = self.env["mes.mrp.run"].create(
            {"planning_group_id": self.group.id, "in_queue": True}
        )
        self.env["mes.mrp.planning.group"]._cron_auto_run()
        self.assertEqual(self._runs(self.group), busy)
        self.assertFalse(self.group.auto_run_last_date, "still due")

    def test_hour_is_an_hour_of_the_day(self):
        with self.assertRaisesRegex(ValidationError, "from 0 to 23"):
            self.group.auto_run_hour = 24
        with self.assertRaisesRegex(ValidationError, "from 0 to 23"):
            self.group.auto_run_hour = -1

    def test_cron_is_hourly_and_calls_the_groups(self):
        self.assertRecordValues(
            self.cron,
            [
                {
                    "interval_number": 1,
                    "interval_type": "hours",
                    "active": True,
                    "model_id": self.env.ref(
                        "mes_inventory_mrp.model_mes_mrp_planning_group"
                    ).id,
                }
            ],
        )
        self.assertIn("_cron_auto_run", self.cron.code)
