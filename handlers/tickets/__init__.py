"""A ticket's life: intake, routing, linking, lifecycle, escalation, deadlines, feedback
and the notices of each step."""
