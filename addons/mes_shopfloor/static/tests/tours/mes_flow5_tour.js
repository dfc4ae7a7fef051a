import { registry } from "@web/core/registry";

// Flow 5: MO done -> finished lot generated with its expiry -> FEFO delivery
// -> trace from the shipped lot back to the component lot and its vendor.
registry.category("web_tour.tours").add("mes_shopfloor_flow5_fg_trace", {
    steps: () => [
        {
            content: "The MO is ready to produce",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Confirmed")',
        },
        {
            content: "Produce all",
            trigger: '.o_statusbar_buttons button[name="button_mark_done"]',
            run: "click",
        },
        {
            content: "The MO is done",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "A finished lot was generated",
            trigger: '.o_field_widget[name="lot_producing_ids"]:contains("KITF5-")',
        },
        {
            content: "Open the transfers",
            trigger: "body",
            run: "goToUrl /odoo/action-stock.action_picking_tree_all",
            expectUnloadPage: true,
        },
        {
            content: "Open the customer delivery",
            trigger: '.o_data_row td:contains("FLOW5-SO")',
            run: "click",
        },
        {
            content: "FEFO: the lot expiring first is reserved first",
            trigger: '.o_field_widget[name="move_ids"]:contains("Seal Kit F5")',
        },
        {
            content: "Validate the delivery",
            trigger: '.o_statusbar_buttons button[name="button_validate"]',
            run: "click",
        },
        {
            content: "The delivery is done",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "Open the lots",
            trigger: "body",
            run: "goToUrl /odoo/action-stock.action_production_lot_form",
            expectUnloadPage: true,
        },
        {
            content: "Open the shipped finished lot",
            trigger: '.o_data_row td:contains("KITF5-")',
            run: "click",
        },
        {
            content: "Trace it back",
            trigger: 'button[name="action_mes_genealogy_backward"]',
            run: "click",
        },
        {
            content: "The component lot it was made of",
            trigger: '.o_field_widget[name="line_ids"] td:contains("RES-F5")',
        },
        {
            content: "and the vendor it was bought from",
            trigger: '.o_field_widget[name="line_ids"] td:contains("Polymer Supply")',
        },
    ],
});
