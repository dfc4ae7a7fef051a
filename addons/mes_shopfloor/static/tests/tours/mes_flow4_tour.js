import { registry } from "@web/core/registry";

// Flow 4: components picked from central stock to the line side -> consumed
// (less than picked) -> the surplus goes back -> the MO balance is zero.
registry.category("web_tour.tours").add("mes_shopfloor_flow4_pick_consume_return", {
    steps: () => [
        {
            content: "Open the line-side pick of the MO",
            trigger: 'button[name="action_view_mes_pickings"]',
            run: "click",
        },
        {
            content: "the pick to line A",
            trigger: '.o_data_row:contains("Line A") td[name="name"]',
            run: "click",
        },
        {
            content: "Pick the components to the line side",
            trigger: '.o_statusbar_buttons button[name="button_validate"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "Back to the manufacturing order",
            trigger: '.breadcrumb-item a:contains("/MO/")',
            run: "click",
        },
        {
            content: "Reloaded after the pick: kitted (edits before the reload are lost)",
            trigger: '.o_field_widget[name="mes_kitting_state"]:contains("Kitted"):not(:contains("Not"))',
        },
        {
            content: "Produce 5",
            trigger: 'div[name="qty_producing"] input',
            run: "edit 5 && click body",
        },
        {
            content: "Wait for the quantities of the produced 5",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("In Progress")',
        },
        {
            content: "Only 8 housings were used",
            trigger: 'div[name="move_raw_ids"] .o_data_row:contains("Housing") td[name="quantity"]',
            run: "click",
        },
        {
            trigger: 'div[name="move_raw_ids"] .o_selected_row div[name="quantity"] input',
            run: "edit 8 && click body",
        },
        {
            content: "Close the order",
            trigger: '.o_statusbar_buttons button[name="button_mark_done"]',
            run: "click",
        },
        {
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "Check the line-side balance",
            trigger: 'a[name="mes_kitting"]',
            run: "click",
        },
        {
            content: "10 picked, 8 consumed, 2 returned, nothing left on the line",
            trigger: 'div[name="mes_balance_ids"] .o_data_row:contains("Housing"):has(td[name="returned_qty"]:contains("2.00")):has(td[name="remaining_qty"]:contains("0.00"))',
        },
    ],
});
