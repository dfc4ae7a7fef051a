#!/bin/bash
# First start: install our addons with demo data into mes_demo; later: update them.
set -e
ARGS=(-c /etc/odoo/odoo.conf -d mes_demo)
if psql "host=db user=odoo password=odoo dbname=mes_demo" -c "select 1 from ir_module_module limit 1" >/dev/null 2>&1; then
  odoo "${ARGS[@]}" -u mes_inventory_mrp,mes_shopfloor,mes_costing --stop-after-init
else
  odoo "${ARGS[@]}" -i mes_inventory_mrp,mes_shopfloor,mes_costing --with-demo --stop-after-init
fi
echo "Odoo is on http://localhost:8069 (login admin / admin)"
exec odoo "${ARGS[@]}"
