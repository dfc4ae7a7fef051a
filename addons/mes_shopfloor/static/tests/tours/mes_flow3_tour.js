import { registry } from "@web/core/registry";

// Flow 3: shortage on an MO -> stock seen in another warehouse -> urgent
// transfer requested, approved, released -> received at the line side ->
// the MO is kitted.
registry.category("web_tour.tours").add("mes_shopfloor_flow3_urgent_transfer", {
    steps: () => [
        {
            content: "The pump order is short",
            trigger: '.o_field_widget[name="mes_kitting_state"]:contains("Partially Kitted")',
        },
        {
            content: "Where is the missing stock?",
            trigger: 'a[name="mes_kitting"]',
            run: "click",
        },
        {
            content: "Housings are in the remote warehouse",
            trigger: 'div[name="mes_shortage_ids"] .o_data_row:contains("Housing") td[name="stock_elsewhere"]:contains("RW")',
        },
        {
            content: "Open the urgent transfer requests",
            trigger: "body",
            run: "goToUrl /odoo/action-mes_shopfloor.action_mes_urgent_transfer",
            expectUnloadPage: true,
        },
        {
            content: "Open the request the assembly lead prepared",
            trigger: '.o_data_row:contains("Housing") td[name="product_id"]',
            run: "click",
        },
        {
            content: "Request it",
            trigger: '.o_statusbar_buttons button[name="action_request"]',
            run: "click",
        },
        {
            content: "Approve it (shop-floor administrator)",
            trigger: '.o_statusbar_buttons button[name="action_approve"]',
            run: "click",
        },
        {
            content: "Release the transfer",
            trigger: '.o_statusbar_buttons button[name="action_release"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("In Transit")',
        },
        {
            content: "Open the transfer",
            trigger: 'button[name="action_view_picking"]',
            run: "click",
        },
        {
            content: "Receive it at the line side",
            trigger: '.o_statusbar_buttons button[name="button_validate"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "Back to the request",
            trigger: ".breadcrumb-item a:contains('UT/')",
            run: "click",
        },
        {
            content: "Received, with its lead time",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Received")',
        },
        {
            content: "Open its manufacturing order",
            trigger: '.o_field_widget[name="production_id"] a, .o_field_widget[name="production_id"] .o_form_uri',
            run: "click",
        },
        {
            content: "The MO is kitted",
            trigger: '.o_field_widget[name="mes_kitting_state"]:not(:contains("Not")):not(:contains("Partially")):contains("Kitted")',
        },
    ],
});
