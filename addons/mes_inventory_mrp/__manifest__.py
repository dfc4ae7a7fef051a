{
    "name": "MES Inventory MRP",
    "summary": "Time-phased multi-level MRP over a shared stock pool",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Manufacturing",
    "license": "LGPL-3",
    "author": "MES Team",
    "website": "https://example.com/mes",
    "depends": ["purchase_stock", "mrp", "product_expiry", "stock_account"],
    "data": [
        "security/mes_inventory_mrp_security.xml",
        "security/ir.model.access.csv",
    ],
    "demo": ["demo/mes_demo_plant.xml"],
    "installable": True,
    "application": False,
}
