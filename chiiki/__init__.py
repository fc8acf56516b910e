"""chiiki — regional policy plans run end to end (plan, budget, measure, evaluate, improve)."""
