"""Consultations: a person's preferences from the tablet, the hand-off code, the decision."""
