import { registry } from "@web/core/registry";

// Flow 2: a purchase receipt is validated -> stock updated -> the waiting
// MO's kitting status is refreshed at once.
registry.category("web_tour.tours").add("mes_shopfloor_flow2_receipt_kits_mo", {
    steps: () => [
        {
            content: "The receipt of the housings is ready",
            trigger: '.o_field_widget[name="move_ids"] .o_data_row:contains("Housing")',
        },
        {
            content: "Validate it",
            trigger: '.o_statusbar_buttons button[name="button_validate"]',
            run: "click",
        },
        {
            content: "Received",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains("Done")',
        },
        {
            content: "Open the kitting board",
            trigger: "body",
            run: "goToUrl /odoo/action-mes_shopfloor.action_mes_kitting_board",
            expectUnloadPage: true,
        },
        {
            content: "Every column has a title; the order without kitting state is left out",
            trigger: ".o_kanban_renderer .o_kanban_group .o_column_title",
            run() {
                const board = document.querySelector(".o_kanban_renderer");
                const titles = [...board.querySelectorAll(".o_kanban_group")].map((group) =>
                    (group.querySelector(".o_column_title")?.textContent || "").trim()
                );
                if (titles.length !== 3 || titles.some((title) => !title.includes("Kitted"))) {
                    throw new Error(`Kitting Board columns: ${JSON.stringify(titles)}`);
                }
                if (board.textContent.includes("Legacy Valve")) {
                    throw new Error("An order without kitting state is on the Kitting Board");
                }
            },
        },
        {
            content: "The waiting pump order moved to Kitted",
            trigger: '.o_kanban_group:has(.o_column_title:not(:contains("Not")):not(:contains("Partial")):contains("Kitted")) .o_kanban_record:contains("Pump")',
            run: "click",
        },
        {
            content: "Its form says so",
            trigger: '.o_field_widget[name="mes_kitting_state"]:not(:contains("Not")):contains("Kitted")',
        },
        {
            content: "No urgent transfer yet: the lead-time report says what will show there",
            trigger: "body",
            run: "goToUrl /odoo/action-mes_shopfloor.action_mes_urgent_transfer_report",
            expectUnloadPage: true,
        },
        {
            content: "Its empty state tells a new user how to get one",
            trigger: '.o_view_nocontent:contains("No urgent transfer received yet"):contains("Urgent Transfers")',
        },
    ],
});
