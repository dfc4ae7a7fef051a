import { registry } from "@web/core/registry";

// Flow 1: demand (a confirmed MO) -> MRP run -> purchase suggestions grouped
// by vendor -> compare vendors, choose the cheaper one -> one click: RFQ ->
// confirm it (in transit) -> the next MRP run nets it: nothing left to buy.
registry.category("web_tour.tours").add("mes_inventory_mrp_flow1_mrp_to_po", {
    steps: () => [
        {
            content: "Open the plant's planning group",
            trigger: '.o_data_row td:contains("Flow1 pool")',
            run: "click",
        },
        {
            content: "Run the MRP",
            trigger: '.o_statusbar_buttons button[name="action_run_mrp"]',
            run: "click",
        },
        {
            content: "The run is done",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "It suggests one purchase",
            trigger: 'div[name="suggestion_count"] .o_stat_value:contains("1")',
        },
        {
            content: "Open the buyer's purchase suggestions",
            trigger: "body",
            run: "goToUrl /odoo/action-mes_inventory_mrp.action_mes_purchase_suggestion",
            expectUnloadPage: true,
        },
        {
            content: "Show every open suggestion, not only this week's",
            trigger: '.o_searchview_facet:contains("To Order") .o_facet_remove',
            run: "click",
        },
        {
            content: "Grouped by vendor: MRP proposes the fast one (below the other's minimum)",
            trigger: '.o_group_name:contains("Fast Flow Steel")',
        },
        {
            content: "Flat list to act on the lines",
            trigger: '.o_searchview_facet .o_facet_remove',
            run: "click",
        },
        {
            trigger: '.o_data_row:contains("Flow1 Plate"):contains("Fast Flow Steel")',
        },
        {
            content: "Compare vendors",
            trigger: '.o_data_row:contains("Flow1 Plate") button[name="action_compare_vendors"]',
            run: "click",
        },
        {
            content: "Both vendors side by side",
            trigger: '.modal .o_data_row:contains("Cheap Flow Steel")',
        },
        {
            content: "Choose the cheaper one: its minimum, still on time",
            trigger: '.modal .o_data_row:contains("Cheap Flow Steel") button[name="action_select"]',
            run: "click",
        },
        {
            content: "It is the current vendor now",
            trigger: '.modal .o_data_row.fw-bold:contains("Cheap Flow Steel")',
        },
        {
            trigger: '.modal-footer button:contains("Done")',
            run: "click",
        },
        {
            content: "The suggestion moved to the cheaper vendor",
            trigger: '.o_data_row:contains("Flow1 Plate"):contains("Cheap Flow Steel")',
        },
        {
            content: "Select it",
            trigger: '.o_data_row:contains("Flow1 Plate") .o_list_record_selector input',
            run: "click",
        },
        {
            content: "One click: create the RFQ",
            trigger: '.o_control_panel button[name="action_create_purchase_orders"]',
            run: "click",
        },
        {
            content: "The RFQ: the vendor's minimum of 100 at its price",
            trigger: '.o_field_widget[name="order_line"] .o_data_row:contains("Flow1 Plate"):contains("100.00"):contains("2.00")',
        },
        {
            content: "Confirm it",
            trigger: '.o_statusbar_buttons button[name="button_confirm"]:enabled',
            run: "click",
        },
        {
            content: "Confirmed: its receipt is in transit",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Purchase Order")',
        },
        {
            content: "Plan again",
            trigger: "body",
            run: "goToUrl /odoo/action-mes_inventory_mrp.mes_mrp_planning_group_action",
            expectUnloadPage: true,
        },
        {
            trigger: '.o_data_row td:contains("Flow1 pool")',
            run: "click",
        },
        {
            trigger: '.o_statusbar_buttons button[name="action_run_mrp"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "The purchase in transit covers the need: no suggestion",
            trigger: 'div[name="suggestion_count"] .o_stat_value:contains("0")',
        },
    ],
});
