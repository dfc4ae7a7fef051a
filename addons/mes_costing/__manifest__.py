{
    "name": "MES Costing",
    "summary": "Actual MO cost, variances to standard, postings and roll-ups",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Manufacturing",
    "license": "LGPL-3",
    "author": "MES Team",
    "website": "https://example.com/mes",
    "depends": ["mes_inventory_mrp", "mrp_account", "hr_hourly_cost"],
    "data": [
        "security/mes_costing_security.xml",
        "security/ir.model.access.csv",
    ],
    "demo": [],
    "installable": True,
    "application": False,
}
