from odoo.fields import Command

OUR_ADDONS = ("mes_inventory_mrp", "mes_shopfloor", "mes_costing")


def switch_admin_to_chinese(env, groups=()):
    """Activate zh_CN, load our installed addons' zh_CN.po, switch the
    administrator to Chinese (adding ``groups``, xmlids) and return an
    environment of the administrator in his own language."""
    env["res.lang"]._activate_lang("zh_CN")
    installed = set(
        env["ir.module.module"]
        .search([("name", "in", OUR_ADDONS), ("state", "=", "installed")])
        .mapped("name")
    )
    env["ir.module.module"]._load_module_terms(
        [name for name in OUR_ADDONS if name in installed], ["zh_CN"], overwrite=True
    )
    admin = env.ref("base.user_admin")
    admin.write(
        {
            "lang": "zh_CN",
            "group_ids": [Command.link(env.ref(xmlid).id) for xmlid in groups],
        }
    )
    return env(user=admin, context=admin.with_user(admin).context_get())
