"""The planted scenario groups, in the order their customers are drawn, and the function that plants each.

Each group is disjoint from the others. A planted customer follows a scripted path (churn_scenarios,
lifecycle_scenarios, tier_scenarios, warning_signs) whose labels go to `_ground_truth/`. The look-alikes
(risk_lookalike) show the warning signs of churners and never churn.
"""

from __future__ import annotations

from . import churn_scenarios, lifecycle_scenarios, tier_scenarios, warning_signs

PLANTS = (
    "churn_product",
    "churn_service",
    "churn_consumption",
    "churn_special",
    "churn_mismatch",
    "life_potential",
    "life_development",
    "life_growth",
    "life_maturity",
    "life_decline",
    "life_termination",
    "tier_upgrade",
    "tier_downgrade",
    "risk_lookalike",  # last: the groups before it keep their members
)
PLANT_SHARE = 0.012  # share of all customers in each group
PLANT_MIN = 20  # customers per group at least, when the bank has 1,000 customers or more
PLANT_MAX_TOTAL_SHARE = 0.45  # share of all customers that are planted, at most

BUILDERS = {
    "churn_product": churn_scenarios.plant_product_churn,
    "churn_service": churn_scenarios.plant_service_churn,
    "churn_consumption": churn_scenarios.plant_consumption_churn,
    "churn_special": churn_scenarios.plant_special_churn,
    "churn_mismatch": churn_scenarios.plant_stated_purpose_mismatch,
    "life_potential": lifecycle_scenarios.plant_potential,
    "life_development": lifecycle_scenarios.plant_development,
    "life_growth": lifecycle_scenarios.plant_growth,
    "life_maturity": lifecycle_scenarios.plant_maturity,
    "life_decline": lifecycle_scenarios.plant_decline,
    "life_termination": lifecycle_scenarios.plant_termination,
    "tier_upgrade": tier_scenarios.plant_upgrade,
    "tier_downgrade": tier_scenarios.plant_downgrade,
    "risk_lookalike": warning_signs.plant_risk_lookalike,
}
# Groups bigger than PLANT_SHARE, as a multiple of it: the mismatch group is split between product and
# service; the look-alikes stand beside the product and service churners' signs (about as many customers).
SIZE_MULTIPLE = {"churn_mismatch": 1.5, "risk_lookalike": 2.0}
