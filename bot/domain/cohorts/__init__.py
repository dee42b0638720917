"""Facilitators and cohorts: roles, set-up, management, enrolment, a pair's program weeks,
weekly snapshots and reports, broadcasts (one module each)."""
