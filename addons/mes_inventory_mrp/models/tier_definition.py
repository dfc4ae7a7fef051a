from odoo import api, models


class TierDefinition(models.Model):
    _inherit = "tier.definition"

    @api.model
    def _get_tier_validation_model_names(self):
        """Every model of our addons that has tier validation (reconciliations,
        urgent transfers, …) can get tier definitions: one place for all."""
        ours = [
            name
            for name, model in self.env.registry.items()
            if name.startswith("mes.")
            and not model._abstract
            and "tier.validation" in model._inherit
        ]
        return super()._get_tier_validation_model_names() + sorted(ours)
