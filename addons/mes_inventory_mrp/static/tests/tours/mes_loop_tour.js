import { registry } from "@web/core/registry";

// The planner's path: demand for a made product -> MRP run -> its make
// suggestion -> Create Orders -> the confirmed manufacturing order opens.
registry.category("web_tour.tours").add("mes_inventory_mrp_make_to_mo", {
    steps: () => [
        {
            content: "Open the planning group",
            trigger: '.o_data_row td:contains("Loop pool")',
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
            content: "It suggests to make the frame and buy its rods",
            trigger: 'div[name="suggestion_count"] .o_stat_value:contains("2")',
        },
        {
            content: "Open the suggestions",
            trigger: "body",
            run: "goToUrl /odoo/action-mes_inventory_mrp.mes_mrp_suggestion_action",
            expectUnloadPage: true,
        },
        {
            content: "A flat list to act on the lines",
            trigger: '.o_searchview_facet:contains("Vendor") .o_facet_remove',
            run: "click",
        },
        {
            content: "The make suggestion of the frame",
            trigger: '.o_data_row:contains("Loop Frame"):contains("Make")',
        },
        {
            content: "Select it",
            trigger: '.o_data_row:contains("Loop Frame") .o_list_record_selector input',
            run: "click",
        },
        {
            content: "One click: Create Orders",
            trigger: '.o_control_panel button[name="action_create_orders"]',
            run: "click",
        },
        {
            content: "The manufacturing order opens, confirmed",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Confirmed")',
        },
        {
            content: "It makes the frame",
            trigger: '.o_form_view .o_field_widget[name="product_id"]:contains("Loop Frame")',
        },
        {
            content: "Its components are the rods",
            trigger: '.o_field_widget[name="move_raw_ids"] .o_data_row:contains("Loop Rod")',
        },
    ],
});
