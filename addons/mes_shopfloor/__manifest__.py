{
    "name": "MES Shop Floor",
    "summary": "Line-side stock, kitting, picks, urgent transfers, FG receipt",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Manufacturing",
    "license": "LGPL-3",
    "author": "MES Team",
    "website": "https://example.com/mes",
    "depends": ["mes_inventory_mrp"],
    "data": [
        "security/mes_shopfloor_security.xml",
        "security/ir.model.access.csv",
    ],
    "demo": [],
    "installable": True,
    "application": False,
}
