"""KPI targets: a member's planned values of its KPIs for coming cycles, and the progress toward them."""
