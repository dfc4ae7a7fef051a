import { registry } from "@web/core/registry";

// Flow 6: a done MO -> its cost sheet (material at purchase price, labor
// hours x rates, overhead, variances) -> posted to accounting.
registry.category("web_tour.tours").add("mes_costing_flow6_cost_sheet", {
    steps: () => [
        {
            content: "The manufacturing order is done",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "Open its cost sheet",
            trigger: 'button[name="action_view_mes_cost_sheet"]',
            run: "click",
        },
        {
            content: "Material at the lot's purchase price: 4 x 9.00 + 6 x 4.00",
            trigger: '.o_field_widget[name="material_actual"]:contains("60.00")',
        },
        {
            content: "Labor: 2 h x 25.00",
            trigger: '.o_field_widget[name="labor_actual"]:contains("50.00")',
        },
        {
            content: "One line per consumed lot",
            trigger: '.o_field_widget[name="line_ids"] td:contains("LT-FLOW6")',
        },
        {
            content: "Post the cost to accounting",
            trigger: 'button[name="action_post"]',
            run: "click",
        },
        {
            content: "The sheet is posted",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Posted")',
        },
        {
            content: "Its journal entries are one click away",
            trigger: 'button[name="action_view_moves"]',
            run: "click",
        },
        {
            content: "The entries are listed",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});
